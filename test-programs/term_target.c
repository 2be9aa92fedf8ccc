/* Prints "ready PID", waits for a line on stdin, says "running", then calls hit() until
 * SIGUSR1 comes (at least once), writes `watched` once, and prints "done called 42": a
 * process to attach to, leave breakpoints (on hit) and a watchpoint (on watched) in, end
 * the debugger abruptly, and check it finishes as if it had never been traced (a leftover
 * int3 or debug register would kill it with SIGTRAP). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

volatile long calls;
volatile long watched;
static volatile sig_atomic_t finish;

__attribute__((noinline)) void hit(void) {
    calls++;
}

static void on_usr1(int signo) {
    (void)signo;
    finish = 1;
}

int main(void) {
    char line[64];
    signal(SIGUSR1, on_usr1);
    printf("ready %d\n", (int)getpid());
    fflush(stdout);
    if (!fgets(line, sizeof line, stdin))
        return 1;
    printf("running\n");
    fflush(stdout);
    do
        hit();
    while (!finish);
    watched = 42;
    printf("done %s %ld\n", calls > 0 ? "called" : "never", watched);
    return 0;
}
