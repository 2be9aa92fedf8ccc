// cflags: -pthread
/* THREADS threads (default 8) call spin_fn in tight loops, all of them started first: a
 * breakpoint site crossed all the time (`spin_site`, a RIP-relative load with the flags of a
 * comparison live across it). Thread 0 makes ROUNDS rounds (default 200000), calling
 * checkpoint() every 1000th — a stop that catches the other threads wherever they are — and
 * the others go round until thread 0 is done. Each thread checks its own sum against its
 * rounds, which a flag or stack pointer disturbed by a debugger would spoil. Prints
 * "calls N bad B" (N: spin_fn calls in all; B: threads whose sum is wrong) and exits 0 only
 * when B is 0. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

static volatile long step = 3;
static long rounds = 200000;
static long nthreads = 8;
static long sums[64];
static long counts[64];
static atomic_int done;
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

__attribute__((noinline)) void checkpoint(long i) {
    __asm__ volatile("" ::"r"(i));
}

static void *worker(void *arg) {
    long id = (long)arg;
    long acc = 0, n = 0;
    pthread_barrier_wait(&start);
    if (id == 0) {
        for (; n < rounds; n++) {
            acc = spin_fn(acc);
            if (n % 1000 == 999)
                checkpoint(n);
        }
        atomic_store(&done, 1);
    } else {
        while (!atomic_load_explicit(&done, memory_order_relaxed)) {
            acc = spin_fn(acc);
            n++;
        }
    }
    sums[id] = acc;
    counts[id] = n;
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
    long bad = 0, calls = 0;
    for (long t = 0; t < nthreads; t++) {
        pthread_join(threads[t], NULL);
        calls += counts[t];
        if (sums[t] != 3 * counts[t])
            bad++;
    }
    printf("calls %ld bad %ld\n", calls, bad);
    return bad == 0 ? 0 : 1;
}
