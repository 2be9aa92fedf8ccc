// cflags: -pthread
/* Starts four threads that each count to a million and exits with the sum's check: a
 * multithreaded program that must run to completion under the debugger. */
#include <pthread.h>
#include <stdio.h>

static void *count(void *arg) {
    volatile long n = 0;
    for (long i = 0; i < 1000000; i++)
        n++;
    *(long *)arg = n;
    return NULL;
}

int main(void) {
    pthread_t threads[4];
    long results[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&threads[i], NULL, count, &results[i]);
    long sum = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(threads[i], NULL);
        sum += results[i];
    }
    printf("sum %ld\n", sum);
    return sum == 4000000 ? 0 : 1;
}
