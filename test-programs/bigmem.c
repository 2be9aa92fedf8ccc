/* Allocates 256 MiB, fills it, prints its address and traps: the memory-read benchmark's
 * tracee. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
    size_t size = 256UL << 20;
    unsigned char *block = malloc(size);
    if (!block)
        return 1;
    for (size_t i = 0; i < size; i++)
        block[i] = (unsigned char)(i * 7);
    printf("%p %zu\n", (void *)block, size);
    fflush(stdout);
    __asm__ volatile("int3");
    return block[12345] == (unsigned char)(12345 * 7) ? 0 : 1;
}
