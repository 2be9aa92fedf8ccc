// cflags: -ldl
/* Loads DIR/libmany000.so .. DIR/libmany{COUNT-1}.so with dlopen, one after another (the
 * benchmark builds them from parts/many_lib.c: all alike but the last, which also defines
 * many_last), then calls many_last of the last one and prints "loaded COUNT, many_last N":
 * a pending breakpoint on many_last waits through every load. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: dlopen_many DIR COUNT\n");
        return 2;
    }
    int count = atoi(argv[2]);
    void *handle = NULL;
    for (int i = 0; i < count; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/libmany%03d.so", argv[1], i);
        handle = dlopen(path, RTLD_NOW);
        if (!handle) {
            fprintf(stderr, "dlopen: %s\n", dlerror());
            return 1;
        }
    }
    if (!handle) {
        fprintf(stderr, "no library loaded\n");
        return 1;
    }
    int (*last)(int) = (int (*)(int))dlsym(handle, "many_last");
    if (!last) {
        fprintf(stderr, "dlsym: %s\n", dlerror());
        return 1;
    }
    printf("loaded %d, many_last %d\n", count, last(count));
    return 0;
}
