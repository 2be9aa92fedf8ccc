/* A plugin loaded with dlopen by dlopener: a function to break on before it is loaded. */
int plugin_calls;

int plugin_work(int x)
{
    plugin_calls++;
    return x * 2 + 1;
}
