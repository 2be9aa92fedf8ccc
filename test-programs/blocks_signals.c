/* Blocks every signal it can, then calls hit() 100 times (counter ends at 100) and spins in
 * a loop that counts to a large number: breakpoints (SIGTRAP), single steps, watchpoints and
 * interrupts must still work, as the kernel forces its traps through a blocked mask. */
#include <signal.h>
#include <stdio.h>

volatile long counter;
volatile unsigned long spins;

__attribute__((noinline)) void hit(long n) {
    counter += n;
}

int main(void) {
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, NULL);
    for (int i = 0; i < 100; i++)
        hit(1);
    for (unsigned long i = 0; i < 200000000UL; i++)
        spins++;
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    printf("counter %ld, SIGINT %s\n", counter, sigismember(&now, SIGINT) ? "blocked" : "open");
    return 0;
}
