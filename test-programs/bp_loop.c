/* Calls target_fn COUNT times (default 100000) and prints the call count and total: the
 * breakpoint fixture and benchmark tracee. With --wait it first prints "ready PID" and waits
 * for a line on stdin, so that a debugger can attach before the calls. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

long total;

__attribute__((noinline)) void target_fn(long i) {
    total += i;
}

int main(int argc, char **argv) {
    long count = argc > 1 ? atol(argv[1]) : 100000;
    if (argc > 2 && strcmp(argv[2], "--wait") == 0) {
        char line[64];
        printf("ready %d\n", (int)getpid());
        fflush(stdout);
        if (!fgets(line, sizeof line, stdin))
            return 1;
    }
    for (long i = 0; i < count; i++)
        target_fn(i);
    printf("calls %ld total %ld\n", count, total);
    return 0;
}
