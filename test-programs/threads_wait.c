// cflags: -pthread
/* Starts three threads that wait on a pipe, prints "ready PID" once they all run, then waits
 * for a line on stdin, releases the threads, joins them and prints "joined 3". */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static int release_pipe[2];
static pthread_barrier_t started;

static void *worker(void *arg) {
    char byte;
    (void)arg;
    pthread_barrier_wait(&started);
    return read(release_pipe[0], &byte, 1) == 1 ? NULL : (void *)1;
}

int main(void) {
    pthread_t threads[3];
    char line[64];
    if (pipe(release_pipe) != 0)
        return 1;
    pthread_barrier_init(&started, NULL, 4);
    for (int i = 0; i < 3; i++)
        pthread_create(&threads[i], NULL, worker, NULL);
    pthread_barrier_wait(&started);
    printf("ready %d\n", (int)getpid());
    fflush(stdout);
    if (!fgets(line, sizeof line, stdin))
        return 1;
    if (write(release_pipe[1], "xxx", 3) != 3)
        return 1;
    int joined = 0;
    for (int i = 0; i < 3; i++) {
        void *result;
        pthread_join(threads[i], &result);
        joined += result == NULL;
    }
    printf("joined %d\n", joined);
    return 0;
}
