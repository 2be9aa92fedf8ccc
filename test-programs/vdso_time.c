/* Reads the monotonic clock through the vdso (glibc's clock_gettime calls the kernel's
 * __vdso_clock_gettime, code mapped without a file) from a function of its own, and prints
 * "ok": a backtrace from inside the vdso must reach main. */
#include <stdio.h>
#include <time.h>

__attribute__((noinline)) long read_clock(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec >= 0;
}

int main(void) {
    long ok = read_clock();
    printf("%s\n", ok ? "ok" : "bad");
    return 0;
}
