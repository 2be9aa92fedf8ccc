/* Runs a long loop of simple instructions: the stepping benchmark's tracee. */
int main(void) {
    volatile unsigned long n = 0;
    for (unsigned long i = 0; i < 50000000UL; i++)
        n += i;
    return (int)(n & 1);
}
