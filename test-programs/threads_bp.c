// cflags: -pthread
/* Eight threads each call target_fn 1000 times; prints the number of calls: a breakpoint hit
 * from many threads at once must be counted exactly once per call. */
#include <pthread.h>
#include <stdio.h>

static volatile long calls;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

__attribute__((noinline)) void target_fn(void) {
    pthread_mutex_lock(&lock);
    calls++;
    pthread_mutex_unlock(&lock);
}

static void *worker(void *arg) {
    (void)arg;
    for (int i = 0; i < 1000; i++)
        target_fn();
    return NULL;
}

int main(void) {
    pthread_t threads[8];
    for (int i = 0; i < 8; i++)
        pthread_create(&threads[i], NULL, worker, NULL);
    for (int i = 0; i < 8; i++)
        pthread_join(threads[i], NULL);
    printf("calls %ld\n", calls);
    return 0;
}
