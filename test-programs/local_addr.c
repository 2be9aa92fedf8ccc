/* Prints the address of a local buffer holding "original", traps, then prints the buffer: a
 * test reads the local at the trap and writes a new string for it to print. */
#include <stdio.h>
#include <string.h>

int main(void) {
    char buf[32];
    strcpy(buf, "original");
    printf("%p\n", (void *)buf);
    fflush(stdout);
    __asm__ volatile("int3");
    printf("%s\n", buf);
    return 0;
}
