/* Raises SIGUSR1 three times; its handler counts them; prints the count: the tracee of the
 * signal-policy tests (stop and deliver, deliver without a stop, or swallow). */
#include <signal.h>
#include <stdio.h>

static volatile sig_atomic_t handled;

static void on_usr1(int signal) {
    (void)signal;
    handled++;
}

int main(void) {
    signal(SIGUSR1, on_usr1);
    for (int i = 0; i < 3; i++)
        raise(SIGUSR1);
    printf("handled %d\n", (int)handled);
    return 0;
}
