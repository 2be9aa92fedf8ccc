/* `nested` without any symbols or debug information (`-s`, no `-g`): only `.dynsym`. */
// cflags: -s -g0 parts/nested_util.c
#include "nested.c"
