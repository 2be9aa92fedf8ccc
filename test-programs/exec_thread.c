// cflags: -pthread
/* A thread other than main exec's this program again with the argument "again" while main
 * waits in pthread_join; the new image calls marker(2) and exits 0. The kernel makes the
 * exec'ing thread the leader and ends every other thread: a debugger must follow. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char *self;

__attribute__((noinline)) void marker(int phase) {
    printf("phase %d\n", phase);
    fflush(stdout);
}

static void *execer(void *arg) {
    marker(1);
    execl("/proc/self/exe", self, "again", (char *)NULL);
    return arg;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "again") == 0) {
        marker(2);
        return 0;
    }
    self = argv[0];
    pthread_t thread;
    pthread_create(&thread, NULL, execer, NULL);
    pthread_join(thread, NULL);
    return 127;
}
