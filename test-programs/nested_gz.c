/* `nested` with its DWARF compressed (`-gz=zlib`): read through decompression. */
// cflags: -gz=zlib parts/nested_util.c
#include "nested.c"
