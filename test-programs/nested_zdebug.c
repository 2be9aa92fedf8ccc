/* `nested` with its DWARF compressed (`-gz=zlib-gnu`): read through decompression. */
// cflags: -gz=zlib-gnu parts/nested_util.c
#include "nested.c"
