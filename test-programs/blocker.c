/* Blocks every signal it can and spins forever: a tracee that Ctrl-C (SIGINT) alone could
 * never stop. */
#include <signal.h>
#include <stddef.h>

int main(void) {
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, NULL);
    volatile unsigned long n = 0;
    for (;;)
        n++;
}
