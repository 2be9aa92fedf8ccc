// cflags: -pthread
/* Starts a thread that writes 42 to a global, joins it and prints the value: a watchpoint set
 * before the thread exists must fire in that thread. */
#include <pthread.h>
#include <stdio.h>

volatile long shared;

static void *writer(void *arg) {
    (void)arg;
    shared = 42;
    return NULL;
}

int main(void) {
    pthread_t thread;
    pthread_create(&thread, NULL, writer, NULL);
    pthread_join(thread, NULL);
    printf("shared %ld\n", shared);
    return 0;
}
