// cflags: -pthread
/* A thread ends itself with a raw exit system call at the global label exit_site; main joins
 * it and prints "joined": a breakpoint on that instruction is stepped over by a thread that
 * then no longer exists. */
#include <pthread.h>
#include <stdio.h>

static void *worker(void *arg) {
    (void)arg;
    __asm__ volatile("mov $60, %%eax\n\t"
                     "xor %%edi, %%edi\n\t"
                     ".globl exit_site\n"
                     "exit_site: syscall\n\t" ::: "memory", "rax", "rdi", "rcx", "r11");
    return NULL;
}

int main(void) {
    pthread_t thread;
    pthread_create(&thread, NULL, worker, NULL);
    pthread_join(thread, NULL);
    printf("joined\n");
    return 0;
}
