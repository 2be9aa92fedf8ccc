/* Writes globals of 8, 1, 2 and 4 bytes, some several times, reads the 8-byte one, and
 * prints "done": the tracee of the watchpoint tests. */
#include <stdio.h>

volatile unsigned long wide = 1;
volatile unsigned char byte_value;
volatile unsigned short half_value;
volatile unsigned int word_value;
volatile unsigned long sink;

int main(void) {
    wide = 2;
    wide = 3;
    wide = 0x1122334455667788UL;
    byte_value = 0x11;
    half_value = 0x2222;
    word_value = 0x44444444;
    sink = wide;
    printf("done\n");
    return 0;
}
