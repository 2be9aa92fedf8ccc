/* Forks 100 children that each exec this program again with the argument "child" (which
 * exits 0 at once), waits for each, calls target_fn after each wait, and prints how many
 * children ended well: a breakpoint in the parent must harm no child and no exec. */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

volatile int calls;

__attribute__((noinline)) void target_fn(void) {
    calls++;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "child") == 0)
        return calls == 0 ? 0 : 3;
    int ok = 0;
    for (int i = 0; i < 100; i++) {
        pid_t child = fork();
        if (child == 0) {
            execl("/proc/self/exe", argv[0], "child", (char *)NULL);
            _exit(127);
        }
        int status = 0;
        if (child > 0 && waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0)
            ok++;
        target_fn();
    }
    printf("%d ok, %d calls\n", ok, calls);
    return 0;
}
