// cflags: -L$OUT -lsolib_util -Wl,-rpath,$OUT
/* Calls a function of a library loaded at start-up (libsolib_util.so). */
#include <stdio.h>

int solib_add(int a, int b);

int main(void)
{
    printf("sum %d\n", solib_add(2, 3));
    return 0;
}
