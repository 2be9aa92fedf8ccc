/* Spins forever (until killed): a tracee that is always running when interrupted. */
int main(void) {
    volatile unsigned long n = 0;
    for (;;)
        n++;
}
