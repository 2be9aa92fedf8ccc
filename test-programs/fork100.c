/* Forks 100 children that each call target_fn and exit 0, waits for them all, then calls
 * target_fn itself and prints how many children ended well: none may be harmed by the
 * debugger's breakpoints. */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

volatile int calls;

__attribute__((noinline)) void target_fn(void) {
    calls++;
}

int main(void) {
    int ok = 0;
    for (int i = 0; i < 100; i++) {
        pid_t child = fork();
        if (child == 0) {
            target_fn();
            _exit(calls == 1 ? 0 : 1);
        }
        int status = 0;
        if (child > 0 && waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0)
            ok++;
    }
    target_fn();
    printf("%d ok\n", ok);
    return 0;
}
