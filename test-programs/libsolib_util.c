/* A library the solib_linked fixture is linked against: loaded at start-up. */
int solib_add(int a, int b)
{
    return a + b;
}
