/* A library the solib_linked fixture is linked against: loaded at start-up. It has
 * thread-local variables of its own (in its TLS block, found through the thread's DTV). */
__thread int solib_calls = 11;
__thread long solib_last[2] = {-1, -2};

int solib_add(int a, int b)
{
    solib_calls++;
    solib_last[0] = a;
    solib_last[1] = b;
    return a + b;
}
