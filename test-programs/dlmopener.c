// cflags: -ldl
/* Loads the plugin named by argv[1] into a new link-map namespace with dlmopen, calls
 * plugin_work and unloads it: a breakpoint in the plugin must hit there too. Prints what it
 * did, or that the C library has no dlmopen namespaces to give. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: dlmopener PLUGIN\n");
        return 2;
    }
    void *handle = dlmopen(LM_ID_NEWLM, argv[1], RTLD_NOW);
    if (!handle) {
        fprintf(stderr, "dlmopen: %s\n", dlerror());
        return 1;
    }
    int (*work)(int) = (int (*)(int))dlsym(handle, "plugin_work");
    if (!work) {
        fprintf(stderr, "dlsym: %s\n", dlerror());
        return 1;
    }
    printf("namespace: %d\n", work(20));
    fflush(stdout);
    dlclose(handle);
    return 0;
}
