// cflags: -pthread
/* A tree of processes and threads for the non-stop tracer, one at a time so that the output
 * is in a fixed order: a thread writes "thread\n" and ends; a first child writes
 * "first child\n" and forks a grandchild that writes "grandchild\n" and exits 13, then exits
 * 11; a second child writes "second child\n" and exits 12; a vfork child execs /bin/true;
 * SIGUSR1 is raised and handled; then it prints "handled 1" and the children's exit statuses
 * ("children 11 12 0") and exits 3. Every line but the last two is one write(2) of its own.
 *
 * "stay": a thread and a forked child wait forever (pause), and so does the process: for the
 * tracer's drop. "thread-exec": a second thread execs /bin/true while the main thread waits:
 * an exec by a thread that is not the main one. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t handled;

static void on_usr1(int signal) {
    (void)signal;
    handled++;
}

static void say(const char *line) {
    if (write(1, line, strlen(line)) < 0)
        _exit(100);
}

static void *writer(void *arg) {
    (void)arg;
    say("thread\n");
    return NULL;
}

static void *waiter(void *arg) {
    (void)arg;
    for (;;)
        pause();
    return NULL;
}

static void *execer(void *arg) {
    (void)arg;
    execl("/bin/true", "true", (char *)NULL);
    _exit(127);
}

static int status_of(pid_t child) {
    int status = 0;
    if (waitpid(child, &status, 0) != child)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "";
    pthread_t thread;
    if (strcmp(mode, "stay") == 0) {
        pthread_create(&thread, NULL, waiter, NULL);
        if (fork() == 0)
            for (;;)
                pause();
        for (;;)
            pause();
    }
    if (strcmp(mode, "thread-exec") == 0) {
        pthread_create(&thread, NULL, execer, NULL);
        for (;;)
            pause();
    }

    signal(SIGUSR1, on_usr1);
    pthread_create(&thread, NULL, writer, NULL);
    pthread_join(thread, NULL);

    pid_t first = fork();
    if (first == 0) {
        say("first child\n");
        pid_t grandchild = fork();
        if (grandchild == 0) {
            say("grandchild\n");
            _exit(13);
        }
        _exit(status_of(grandchild) == 13 ? 11 : 1);
    }
    int first_status = status_of(first);

    pid_t second = fork();
    if (second == 0) {
        say("second child\n");
        _exit(12);
    }
    int second_status = status_of(second);

    pid_t third = vfork();
    if (third == 0) {
        execl("/bin/true", "true", (char *)NULL);
        _exit(127);
    }
    int third_status = status_of(third);

    raise(SIGUSR1);
    printf("handled %d\n", (int)handled);
    printf("children %d %d %d\n", first_status, second_status, third_status);
    return 3;
}
