// cflags: -pthread
/* THREADS threads (default 8) each call spin_fn ROUNDS times (default 200000) in a tight
 * loop, all of them started first: a breakpoint site crossed all the time (`spin_site`, a
 * RIP-relative load with the flags of a comparison live across it), where an interrupt
 * catches threads anywhere. Each thread checks its own sum, which a flag or stack pointer
 * disturbed by a debugger would spoil. Prints "calls N bad B" (B: threads whose sum is
 * wrong) and exits 0 only when B is 0. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static volatile long step = 3;
static long rounds = 200000;
static long nthreads = 8;
static long sums[64];
static pthread_barrier_t start;

__attribute__((noinline)) long spin_fn(long acc) {
    long out;
    __asm__ volatile("cmp $0, %1\n\t"
                     ".globl spin_site\n"
                     "spin_site:\n\t"
                     "mov step(%%rip), %0\n\t"
                     "jl 1f\n\t"
                     "add %1, %0\n\t"
                     "jmp 2f\n"
                     "1:\n\t"
                     "mov $-1000000, %0\n"
                     "2:"
                     : "=&r"(out)
                     : "r"(acc)
                     : "cc");
    return out;
}

static void *worker(void *arg) {
    long id = (long)arg;
    long acc = 0;
    pthread_barrier_wait(&start);
    for (long i = 0; i < rounds; i++)
        acc = spin_fn(acc);
    sums[id] = acc;
    return NULL;
}

int main(int argc, char **argv) {
    if (argc > 1)
        rounds = atol(argv[1]);
    if (argc > 2)
        nthreads = atol(argv[2]);
    if (nthreads < 1 || nthreads > 64)
        return 2;
    pthread_t threads[64];
    pthread_barrier_init(&start, NULL, (unsigned)nthreads);
    for (long t = 0; t < nthreads; t++)
        if (pthread_create(&threads[t], NULL, worker, (void *)t) != 0)
            return 2;
    long bad = 0;
    for (long t = 0; t < nthreads; t++) {
        pthread_join(threads[t], NULL);
        if (sums[t] != 3 * rounds)
            bad++;
    }
    printf("calls %ld bad %ld\n", rounds * nthreads, bad);
    return bad == 0 ? 0 : 1;
}
