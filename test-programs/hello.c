/* Prints a greeting and exits 0: the smallest complete run. */
#include <stdio.h>

int main(void) {
    printf("hello, world\n");
    return 0;
}
