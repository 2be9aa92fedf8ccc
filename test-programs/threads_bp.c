// cflags: -pthread
/* Eight threads each call target_fn N times (`threads_bp [N]`, default 1000); prints the
 * number of calls: a breakpoint hit from many threads at once must be counted exactly once
 * per call. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static volatile long calls;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

__attribute__((noinline)) void target_fn(void) {
    pthread_mutex_lock(&lock);
    calls++;
    pthread_mutex_unlock(&lock);
}

static long per_thread = 1000;

static void *worker(void *arg) {
    (void)arg;
    for (long i = 0; i < per_thread; i++)
        target_fn();
    return NULL;
}

int main(int argc, char **argv) {
    pthread_t threads[8];
    if (argc > 1)
        per_thread = strtol(argv[1], NULL, 10);
    for (int i = 0; i < 8; i++)
        pthread_create(&threads[i], NULL, worker, NULL);
    for (int i = 0; i < 8; i++)
        pthread_join(threads[i], NULL);
    printf("calls %ld\n", calls);
    return 0;
}
