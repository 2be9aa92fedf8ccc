/* Calls target_fn, then exec's itself with the argument "again", which calls target_fn and
 * exits: a tracee that is debugged across an exec. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

__attribute__((noinline)) void target_fn(int round) {
    printf("round %d\n", round);
    fflush(stdout);
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "again") == 0) {
        target_fn(2);
        return 0;
    }
    target_fn(1);
    execl("/proc/self/exe", argv[0], "again", (char *)NULL);
    return 127;
}
