/* One of the small libraries dlopen_many loads (the benchmark builds it once as is and once
 * with -DMANY_LAST, and copies the first under 199 names): the last one also defines
 * many_last, the function a pending breakpoint waits for. */
int many_calls;

int many_value(int x)
{
    many_calls++;
    return x + 1;
}

#ifdef MANY_LAST
int many_last(int x)
{
    return many_value(x) * 2;
}
#endif
