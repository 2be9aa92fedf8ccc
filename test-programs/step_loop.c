/* `step_loop [COUNT [SPIN [ROUNDS]]]`: a line whose loop runs COUNT (default 10000) iterations
 * without calls, and a line calling a function that loops SPIN times (default COUNT; eight
 * instructions an iteration), run ROUNDS times (default 1) by a loop of its own: the
 * `step`/`next` timing tracee (a step through a line is one range of addresses, however many
 * instructions run in it; `next` from the call stops at the `for` line of its loop, and
 * again at the call). Prints "sum S". */
#include <stdio.h>
#include <stdlib.h>

static long spin(long count) {
    volatile long s = 0;
    for (long i = 0; i < count; i++) s += i;
    return s;
}

int main(int argc, char **argv) {
    long count = argc > 1 ? atol(argv[1]) : 10000;
    long spun = argc > 2 ? atol(argv[2]) : count;
    long rounds = argc > 3 ? atol(argv[3]) : 1;
    volatile long s = 0;
    for (long i = 0; i < count; i++) s += i;
    for (long r = 0; r < rounds; r++)
        s += spin(spun); /* the call line */
    printf("sum %ld\n", (long)s);
    return 0;
}
