// cflags: -pthread
/* Threads come and go while others run, for the all-stop core. `thread_churn other` (the
 * default): a spawner thread creates and joins batches of short-lived threads while the main
 * thread calls hit() MAIN_CALLS times and then sleeps in a loop until the spawner is done.
 * `thread_churn main`: the main thread creates and joins the batches while one long-lived
 * thread calls hit() MAIN_CALLS times. Every short-lived thread calls hit() THREAD_CALLS
 * times. Prints "calls N" (N = every call of hit(), also the final value of `counter`). */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define ROUNDS 25
#define BATCH 4
#define THREAD_CALLS 5
#define MAIN_CALLS 500

volatile long counter;
static volatile long calls;
static volatile int done;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* Its first instruction after the prologue (a lea) is one dbg cannot emulate: ignored hits
 * are stepped over with the other threads held. */
__attribute__((noinline)) void hit(long n) {
    pthread_mutex_lock(&lock);
    counter += n;
    calls++;
    pthread_mutex_unlock(&lock);
}

static void *short_lived(void *arg) {
    for (int i = 0; i < THREAD_CALLS; i++)
        hit(1);
    return arg;
}

static void churn(void) {
    for (int round = 0; round < ROUNDS; round++) {
        pthread_t threads[BATCH];
        for (int j = 0; j < BATCH; j++)
            pthread_create(&threads[j], NULL, short_lived, NULL);
        for (int j = 0; j < BATCH; j++)
            pthread_join(threads[j], NULL);
    }
}

static void *spawner(void *arg) {
    churn();
    done = 1;
    return arg;
}

static void *caller(void *arg) {
    for (int i = 0; i < MAIN_CALLS; i++)
        hit(1);
    return arg;
}

int main(int argc, char **argv) {
    pthread_t other;
    if (argc > 1 && strcmp(argv[1], "main") == 0) {
        pthread_create(&other, NULL, caller, NULL);
        churn();
        pthread_join(other, NULL);
    } else {
        pthread_create(&other, NULL, spawner, NULL);
        for (int i = 0; i < MAIN_CALLS; i++)
            hit(1);
        while (!done)
            usleep(10);
        pthread_join(other, NULL);
    }
    printf("calls %ld\n", calls);
    return counter == calls ? 0 : 1;
}
