// cflags: -pthread
/* Starts three threads that wait on a pipe, prints "ready PID", waits for a line on stdin,
 * releases the threads, says "running", and then every thread calls hit() (at least once)
 * until SIGUSR1 comes, writes `watched`, and ends; main joins them and prints "done called
 * 42". A process to attach to, leave breakpoints (on hit) and a watchpoint (on watched) in,
 * end the debugger abruptly, and check it finishes as if it had never been traced: a
 * leftover int3, or a debug register left armed on any of its four threads, would kill it
 * with SIGTRAP. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#define WORKERS 3

volatile long calls;
volatile long watched;
static volatile sig_atomic_t finish;
static int release_pipe[2];

__attribute__((noinline)) void hit(void) {
    calls++;
}

static void on_usr1(int signo) {
    (void)signo;
    finish = 1;
}

static void work(void) {
    do
        hit();
    while (!finish);
    watched = 42;
}

static void *worker(void *arg) {
    char byte;
    (void)arg;
    if (read(release_pipe[0], &byte, 1) != 1)
        return (void *)1;
    work();
    return NULL;
}

int main(void) {
    pthread_t threads[WORKERS];
    char line[64];
    signal(SIGUSR1, on_usr1);
    if (pipe(release_pipe) != 0)
        return 1;
    for (int i = 0; i < WORKERS; i++)
        pthread_create(&threads[i], NULL, worker, NULL);
    printf("ready %d\n", (int)getpid());
    fflush(stdout);
    if (!fgets(line, sizeof line, stdin))
        return 1;
    if (write(release_pipe[1], "xxx", WORKERS) != WORKERS)
        return 1;
    printf("running\n");
    fflush(stdout);
    work();
    int joined = 0;
    for (int i = 0; i < WORKERS; i++) {
        void *result;
        pthread_join(threads[i], &result);
        joined += result == NULL;
    }
    if (joined != WORKERS)
        return 1;
    printf("done %s %ld\n", calls > 0 ? "called" : "never", watched);
    return 0;
}
