/* Makes COUNT (default 200000) getppid system calls in a loop, then prints "calls COUNT": the
 * syscall-tracing benchmark tracee, a cheap system call that a tracer sees as one entry and
 * one exit stop each. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long count = argc > 1 ? atol(argv[1]) : 200000;
    for (long i = 0; i < count; i++)
        syscall(SYS_getppid);
    printf("calls %ld\n", count);
    return 0;
}
