// cflags: -pthread
/* The main thread calls pthread_exit while another thread lives on: the leader stays a zombie
 * until the process ends. The other thread waits until the leader has exited (its /proc state
 * is Z), then calls hit() three times and prints what it did. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static long calls;

__attribute__((noinline)) void hit(long n) {
    calls += n;
}

static int leader_is_zombie(void) {
    char line[512];
    FILE *stat = fopen("/proc/self/stat", "r");
    if (!stat)
        return 0;
    int zombie = fgets(line, sizeof line, stat) && strstr(line, ") Z ") != NULL;
    fclose(stat);
    return zombie;
}

static void *survivor(void *arg) {
    while (!leader_is_zombie())
        sched_yield();
    for (int i = 0; i < 3; i++)
        hit(1);
    printf("calls %ld\n", calls);
    return arg;
}

int main(void) {
    pthread_t other;
    pthread_create(&other, NULL, survivor, NULL);
    pthread_exit(NULL);
}
