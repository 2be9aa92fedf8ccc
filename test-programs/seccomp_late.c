// cflags: -pthread
/* Makes COUNT (default 20) rounds of a getppid and a getsid call, then installs a seccomp
 * filter of its own (no new privileges; getppid fails with EPERM, everything else allowed)
 * — with seccomp(2), or with prctl(PR_SET_SECCOMP) given "prctl", or with seccomp(2) and
 * SECCOMP_FILTER_FLAG_TSYNC from a second thread given "thread" — then COUNT more rounds.
 * Prints "before P S after P S eperm E" (the getppid and getsid calls that succeeded before
 * and after the filter, the getppid calls that failed with EPERM) and exits 0 only when that
 * is what its filter makes of them: a debugger must change none of it. */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *how = "seccomp";
static int installed = -1;

static void *install(void *unused) {
    (void)unused;
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
    };
    struct sock_fprog program = {.len = sizeof filter / sizeof filter[0], .filter = filter};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return NULL;
    if (strcmp(how, "prctl") == 0)
        installed = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program);
    else if (strcmp(how, "thread") == 0)
        installed = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC,
                                 &program);
    else
        installed = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program);
    return NULL;
}

static void rounds(long count, long *ppid_ok, long *sid_ok, long *eperm) {
    for (long i = 0; i < count; i++) {
        /* Success is any result but -1: in a PID namespace whose session leader (or our
         * parent) lives outside, getsid (getppid) answers 0. */
        if (syscall(SYS_getppid) != -1)
            (*ppid_ok)++;
        else if (errno == EPERM)
            (*eperm)++;
        if (syscall(SYS_getsid, 0) != -1)
            (*sid_ok)++;
    }
}

int main(int argc, char **argv) {
    long count = argc > 1 ? atol(argv[1]) : 20;
    if (argc > 2)
        how = argv[2];
    long before[3] = {0}, after[3] = {0};
    rounds(count, &before[0], &before[1], &before[2]);
    if (strcmp(how, "thread") == 0) {
        pthread_t id;
        if (pthread_create(&id, NULL, install, NULL) != 0 || pthread_join(id, NULL) != 0)
            return 2;
    } else {
        install(NULL);
    }
    if (installed != 0) {
        printf("cannot install the filter: %s\n", strerror(errno));
        return 1;
    }
    rounds(count, &after[0], &after[1], &after[2]);
    printf("before %ld %ld after %ld %ld eperm %ld\n", before[0], before[1], after[0], after[1],
           after[2]);
    int expected = before[0] == count && before[1] == count && before[2] == 0 && after[0] == 0 &&
                   after[1] == count && after[2] == count;
    return expected ? 0 : 1;
}
