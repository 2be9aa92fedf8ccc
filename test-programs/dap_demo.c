/* The DAP server's tracee: a struct, a small and a large array, a loop that calls a
 * function and writes a global (line, function, conditional, hit-count and data
 * breakpoints), output on stdout and stderr, and an exit status of its own. With an
 * argument `spin` it says `spinning` and spins until `spinning` is cleared (pause). Lines marked `// L:name` are found by
 * tests through the marker, never by number. */
#include <stdio.h>
#include <string.h>

struct point {
    int x;
    int y;
};

int counter;
volatile int spinning = 1;

__attribute__((noinline)) int square(int n) {
    int result = n * n; // L:square-first
    return result; // L:square-return
}

__attribute__((noinline)) int sum_to(int limit) {
    int total = 0; // L:sum-first
    for (int i = 1; i <= limit; i++) {
        total += square(i); // L:loop-call
        counter = i; // L:loop-count
    }
    return total; // L:sum-return
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "spin") == 0) {
        printf("spinning\n");
        fflush(stdout);
        while (spinning) // L:spin
            counter++;
    }
    struct point origin = {3, 4}; // L:main-first
    int numbers[5] = {1, 2, 3, 4, 5};
    int big[300];
    for (int i = 0; i < 300; i++)
        big[i] = i * 2;
    int limit = 4; // L:main-limit
    int total = sum_to(limit); // L:main-call
    printf("total %d big %d\n", total, big[299]); // L:main-print
    fprintf(stderr, "origin %d %d numbers %d\n", origin.x, origin.y, numbers[4]);
    return 3; // L:main-return
}
