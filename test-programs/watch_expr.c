/* Values to watch by name: a global written with the same value and with new ones, a
 * 16-byte struct (two debug registers), a char at an odd address, and a local whose
 * watchpoint ends when its function returns. */
struct pair {
    long a;
    long b;
};

struct pair pair_global;
int counter;
char bytes[8];

__attribute__((noinline)) void bump(int times)
{
    int local = 0;
    for (int i = 0; i < times; i++)
        local += 2;
    counter = local;
}

int main(void)
{
    counter = 0;
    counter = 0; /* the same value: no change */
    counter = 5;
    pair_global.b = 7;
    bytes[3] = 'x';
    bump(3);
    counter = 9;
    return 0;
}
