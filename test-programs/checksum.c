/* Prints the first 8 bytes of its own function victim() and their sum, then calls it: a
 * program that sees a software breakpoint in its code (and must still run correctly). */
#include <stdio.h>

__attribute__((noinline)) int victim(int x) {
    return x * 3 + 1;
}

int main(void) {
    const volatile unsigned char *code = (const volatile unsigned char *)victim;
    unsigned sum = 0;
    printf("bytes");
    for (int i = 0; i < 8; i++) {
        printf(" %02x", code[i]);
        sum += code[i];
    }
    printf("\nchecksum %u\n", sum);
    fflush(stdout);
    return victim(2) == 7 ? 0 : 1;
}
