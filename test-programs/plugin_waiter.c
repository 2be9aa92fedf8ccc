// cflags: -ldl
/* Loads the plugin named by argv[1] with dlopen, prints "ready PID" and waits for a line on
 * stdin before calling plugin_work: a process to attach to with the plugin already loaded. */
#include <dlfcn.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    char line[64];
    if (argc < 2)
        return 2;
    void *handle = dlopen(argv[1], RTLD_NOW);
    if (!handle)
        return 1;
    int (*work)(int) = (int (*)(int))dlsym(handle, "plugin_work");
    if (!work)
        return 1;
    printf("ready %d\n", (int)getpid());
    fflush(stdout);
    if (!fgets(line, sizeof line, stdin))
        return 1;
    printf("work %d\n", work(5));
    return 0;
}
