/* Maps two pages, writes "hidden" at the start of the second and makes it PROT_NONE, prints
 * the first page's address and traps: memory that is present but not readable, then an
 * unmapped page after it. */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

int main(void) {
    char *pages = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (pages == MAP_FAILED)
        return 1;
    memset(pages, 'a', 4096);
    strcpy(pages + 4096, "hidden");
    munmap(pages + 2 * 4096, 4096);
    mprotect(pages + 4096, 4096, PROT_NONE);
    printf("%p\n", (void *)pages);
    fflush(stdout);
    __asm__ volatile("int3");
    return 0;
}
