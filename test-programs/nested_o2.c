/* `nested` built with -O2 (inlining, several rows per line, non-statement rows). */
// cflags: -O2 parts/nested_util.c
#include "nested.c"
