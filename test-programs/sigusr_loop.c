/* Raises SIGUSR1 COUNT times (default 1000); its handler counts them; prints "handled N of
 * COUNT" and exits 0 when every one was handled: the tracee of the tests where the debugger
 * passes a signal on without a stop (gdbserver's QPassSignals). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

static volatile sig_atomic_t handled;

static void on_usr1(int signal) {
    (void)signal;
    handled++;
}

int main(int argc, char **argv) {
    long count = argc > 1 ? atol(argv[1]) : 1000;
    signal(SIGUSR1, on_usr1);
    for (long i = 0; i < count; i++)
        raise(SIGUSR1);
    printf("handled %ld of %ld\n", (long)handled, count);
    return handled == count ? 0 : 1;
}
