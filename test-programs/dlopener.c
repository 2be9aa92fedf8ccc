// cflags: -ldl
/* Loads the plugin named by argv[1] with dlopen, calls plugin_work, unloads it with
 * dlclose, and does it all again: a breakpoint in the plugin must hit both times. */
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: dlopener PLUGIN\n");
        return 2;
    }
    for (int round = 0; round < 2; round++) {
        void *handle = dlopen(argv[1], RTLD_NOW);
        if (!handle) {
            fprintf(stderr, "dlopen: %s\n", dlerror());
            return 1;
        }
        int (*work)(int) = (int (*)(int))dlsym(handle, "plugin_work");
        if (!work) {
            fprintf(stderr, "dlsym: %s\n", dlerror());
            return 1;
        }
        printf("round %d: %d\n", round, work(round));
        fflush(stdout);
        dlclose(handle);
    }
    return 0;
}
