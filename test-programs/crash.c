/* Writes through a bad pointer: the tracee stops with SIGSEGV at address 0x10, then dies. */
#include <stdio.h>

int main(void) {
    volatile int *bad = (int *)0x10;
    printf("about to crash\n");
    fflush(stdout);
    *bad = 1;
    return 0;
}
