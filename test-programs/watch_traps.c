/* A watched store followed at once by an instruction whose trap is no debug exception: an
 * `int3` of the program's own (its SIGTRAP handler counts it), then a `syscall` (getppid).
 * Linux leaves DR6 as it was for both, so a debugger that read a stale watchpoint hit from
 * DR6 would report the `int3` or the step over the `syscall` as that watchpoint firing again.
 * Then a third store. Prints "traps T watched W". */
#include <signal.h>
#include <stdio.h>

volatile long watched;
static volatile sig_atomic_t traps;

static void on_trap(int signal) {
    (void)signal;
    traps++;
}

int main(void) {
    signal(SIGTRAP, on_trap);
    __asm__ volatile("movq $1, watched(%%rip)\n\t"
                     "int3" ::
                         : "memory");
    long ret;
    __asm__ volatile("movq $2, watched(%%rip)\n\t"
                     "syscall"
                     : "=a"(ret)
                     : "a"(110L)
                     : "rcx", "r11", "memory");
    watched = 3;
    printf("traps %d watched %ld getppid %d\n", (int)traps, watched, ret > 0);
    return 0;
}
