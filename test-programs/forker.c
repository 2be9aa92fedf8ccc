/* Calls target_fn, forks a child that calls target_fn too and exits 7, waits for it, calls
 * target_fn again and prints how the child ended: breakpoints must not harm the child. With
 * "vfork" as argument the child is made with vfork and exec's /bin/true instead. */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int calls;

__attribute__((noinline)) void target_fn(void) {
    calls++;
}

int main(int argc, char **argv) {
    int use_vfork = argc > 1 && strcmp(argv[1], "vfork") == 0;
    target_fn();
    pid_t child = use_vfork ? vfork() : fork();
    if (child == 0) {
        if (use_vfork) {
            execl("/bin/true", "true", (char *)NULL);
            _exit(127);
        }
        target_fn();
        _exit(calls == 2 ? 7 : 1);
    }
    int status = 0;
    waitpid(child, &status, 0);
    target_fn();
    printf("child exited %d, parent calls %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status), calls);
    return 0;
}
