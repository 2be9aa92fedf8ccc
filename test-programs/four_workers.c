// cflags: -pthread
/* Four threads call work() in a loop, each checking every result against its own sum, until
 * standard input ends; then main prints the checksum of work()'s first bytes (taken again, so
 * a breakpoint byte left behind shows) and whether every thread's sums were right. Prints
 * "ready" (with the checksum) once the threads run: a debugger may then attach, set and delete
 * breakpoints and detach as often as it likes, and the output must not change. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static volatile int stop;
static volatile long bad;

__attribute__((noinline)) long work(long x) {
    return x * 7 + 3;
}

static unsigned checksum(void) {
    const volatile unsigned char *code = (const volatile unsigned char *)work;
    unsigned sum = 0;
    for (int i = 0; i < 16; i++)
        sum = sum * 31 + code[i];
    return sum;
}

static void *worker(void *arg) {
    long sum = 0, expected = 0;
    for (long i = 0; !stop; i++) {
        sum += work(i);
        expected += i * 7 + 3;
        if (sum != expected)
            __atomic_add_fetch(&bad, 1, __ATOMIC_SEQ_CST);
    }
    return arg;
}

int main(void) {
    pthread_t threads[4];
    unsigned before = checksum();
    for (int i = 0; i < 4; i++)
        pthread_create(&threads[i], NULL, worker, NULL);
    printf("ready %u\n", before);
    fflush(stdout);
    char buf[64];
    while (read(0, buf, sizeof buf) > 0) {
    }
    stop = 1;
    for (int i = 0; i < 4; i++)
        pthread_join(threads[i], NULL);
    printf("checksum %s, %ld bad sums\n", checksum() == before ? "unchanged" : "CHANGED", bad);
    return 0;
}
