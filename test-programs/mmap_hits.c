/* Calls hit(i) for i in 0..COUNT (default 5); each maps i+1 anonymous pages, fills them,
 * and unmaps them. A breakpoint on hit (past its prologue, on a RIP-relative load) runs its
 * instruction out of line, so the debugger maps its scratch area while the program's own
 * mmap and munmap calls may be caught. Prints "hit N mapped N unmapped N sum S" with one
 * write(2) (no stdio buffer, so no allocation and no other mmap) and exits 0 only when every
 * call succeeded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

volatile long counter;
volatile long mapped, unmapped, sum;

__attribute__((noinline)) void hit(long i) {
    counter++;
    size_t len = (size_t)(i + 1) * 4096;
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return;
    mapped++;
    memset(p, (int)i + 1, len);
    sum += p[len - 1];
    if (munmap(p, len) == 0)
        unmapped++;
}

int main(int argc, char **argv) {
    long count = argc > 1 ? atol(argv[1]) : 5;
    for (long i = 0; i < count; i++)
        hit(i);
    char line[128];
    int n = snprintf(line, sizeof line, "hit %ld mapped %ld unmapped %ld sum %ld\n", counter,
                     mapped, unmapped, sum);
    return write(1, line, (size_t)n) == n && mapped == count && unmapped == count ? 0 : 1;
}
