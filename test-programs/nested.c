// cflags: parts/nested_util.c
/* Source-level debugging fixture: four nested calls (main → outer → middle → inner → leaf),
 * an always-inlined helper, a recursive function, a function returning a double, a call into
 * a second compilation unit (parts/nested_util.c), and a call that is a statement of its own
 * (`note_done();` returns to the first instruction of the next line). Lines marked
 * `// L:name` are found by tests through the marker, never by number. Prints the results and
 * exits 0. */
#include <stdio.h>

int util_scale(int x);

static inline __attribute__((always_inline)) int twice(int x) {
    return x * 2; // L:twice
}

__attribute__((noinline)) int leaf(int x) {
    int y = x + 1; // L:leaf-first
    return twice(y); // L:leaf-return
}

__attribute__((noinline)) int inner(int x) {
    int r = leaf(x); // L:inner-call
    return r + 1;
}

__attribute__((noinline)) int middle(int x) {
    int r = inner(x) * 3; // L:middle-call
    return r;
}

__attribute__((noinline)) int outer(int x) {
    int r = middle(x); // L:outer-call
    r += util_scale(r); // L:outer-util
    return r;
}

__attribute__((noinline)) int factorial(int n) {
    if (n <= 1) // L:fact-test
        return 1;
    return n * factorial(n - 1); // L:fact-recurse
}

static int finished;

__attribute__((noinline)) void note_done(void) {
    finished = 1; // L:note-done
}

__attribute__((noinline)) double ratio(int a, int b) {
    return (double)a / b; // L:ratio
}

int main(void) {
    int value = outer(4); // L:main-outer
    int f = factorial(5); // L:main-fact
    double q = ratio(7, 2); // L:main-ratio

    printf("value %d\n", value); // L:main-print
    printf("factorial %d ratio %.2f\n", f, q);
    note_done(); // L:main-note
    return finished - 1; // L:main-return
}
