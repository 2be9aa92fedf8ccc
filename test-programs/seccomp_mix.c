/* Makes COUNT (default 1000) getppid calls and, every tenth, a getsid call whose result it
 * checks (a call failed by a system-call filter left without a tracer returns -1, ENOSYS).
 * With "fork" as second argument a child does the same loop first and the parent waits for
 * it. Prints "getsid N failed F child C" (C: the child's exit status, or -1 without a child)
 * and exits 0 only when every call succeeded: catchpoints must harm no process. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static long loop(long count, long *calls) {
    long failed = 0;
    for (long i = 0; i < count; i++) {
        if (syscall(SYS_getppid) < 0)
            failed++;
        if (i % 10 == 0) {
            (*calls)++;
            if (syscall(SYS_getsid, 0) < 0)
                failed++;
        }
    }
    return failed;
}

int main(int argc, char **argv) {
    long count = argc > 1 ? atol(argv[1]) : 1000;
    int child = -1;
    long calls = 0;
    if (argc > 2 && strcmp(argv[2], "fork") == 0) {
        pid_t pid = fork();
        if (pid == 0)
            _exit(loop(count, &calls) == 0 ? 0 : 1);
        int status = 0;
        if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
            return 2;
        child = WEXITSTATUS(status);
        calls = 0;
    }
    long failed = loop(count, &calls);
    printf("getsid %ld failed %ld child %d\n", calls, failed, child);
    return failed == 0 && child <= 0 ? 0 : 1;
}
