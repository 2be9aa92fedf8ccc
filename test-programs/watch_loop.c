/* Writes a global counter COUNT times (default 100000) and prints it: the watchpoint
 * benchmark's tracee. */
#include <stdio.h>
#include <stdlib.h>

volatile long counter;

int main(int argc, char **argv) {
    long count = argc > 1 ? atol(argv[1]) : 100000;
    for (long i = 1; i <= count; i++)
        counter = i;
    printf("counter %ld\n", counter);
    return 0;
}
