/* `nested` as a non-PIE executable with DWARF 4. */
// cflags: -gdwarf-4 -fno-pie -no-pie parts/nested_util.c
#include "nested.c"
