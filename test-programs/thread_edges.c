// cflags: -pthread
/* Edge cases of thread lifetimes for the all-stop core, one per argument:
 *   exit-spawning     three threads create detached threads nonstop; main calls exit(7) once
 *                     200 have been created (threads die before their clone event is seen)
 *   zombie-spin       a thread spins forever; main calls pthread_exit (a zombie leader)
 *   leader-step-exit  a thread spins; main runs an int3, then exit(0) through its own syscall
 *                     instruction (the leader is stepped through its exit)
 *   thread-exec       a thread execs /bin/true while main waits (the exec comes under the
 *                     leader's id) */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile long created;

static void *nothing(void *arg) { return arg; }

static void *spawner(void *arg) {
    for (;;) {
        pthread_t thread;
        if (pthread_create(&thread, NULL, nothing, NULL) == 0) {
            pthread_detach(thread);
            __atomic_add_fetch(&created, 1, __ATOMIC_SEQ_CST);
        }
    }
    return arg;
}

static void *spin(void *arg) {
    for (;;)
        sched_yield();
    return arg;
}

static void *execer(void *arg) {
    char *argv[] = {"/bin/true", NULL};
    execv(argv[0], argv);
    return arg;
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "";
    pthread_t thread;
    if (strcmp(mode, "exit-spawning") == 0) {
        for (int i = 0; i < 3; i++)
            pthread_create(&thread, NULL, spawner, NULL);
        while (__atomic_load_n(&created, __ATOMIC_SEQ_CST) < 200)
            sched_yield();
        exit(7);
    }
    if (strcmp(mode, "zombie-spin") == 0) {
        pthread_create(&thread, NULL, spin, NULL);
        pthread_exit(NULL);
    }
    if (strcmp(mode, "leader-step-exit") == 0) {
        pthread_create(&thread, NULL, spin, NULL);
        __asm__ volatile("int3\n\tmov $60, %%eax\n\txor %%edi, %%edi\n\tsyscall" ::: "rax", "rdi",
                         "memory");
    }
    if (strcmp(mode, "thread-exec") == 0) {
        pthread_create(&thread, NULL, execer, NULL);
        for (;;)
            pause();
    }
    return 2;
}
