/* Functions returning every kind of value the System V ABI places differently: integers,
 * chars, bools, pointers, floats, doubles, long double, small structs in rax:rdx, in xmm
 * registers and mixed, a struct in memory, a union, an enum. Tests `finish` out of each
 * and compare the value with what gdb says. */
#include <stdbool.h>

struct two_ints { int a; int b; };
struct mixed { long l; double d; };
struct two_doubles { double x; double y; };
struct floats { float f; float g; float h; };
struct big { long v[5]; };
struct chars { char c[3]; };
union number { int i; float f; };
enum color { RED, GREEN, BLUE };

__attribute__((noinline)) int ret_int(void) { return -42; }
__attribute__((noinline)) unsigned char ret_uchar(void) { return 200; }
__attribute__((noinline)) char ret_char(void) { return 'q'; }
__attribute__((noinline)) bool ret_bool(void) { return true; }
__attribute__((noinline)) long ret_long(void) { return 1L << 40; }
__attribute__((noinline)) const char *ret_string(void) { return "returned"; }
__attribute__((noinline)) float ret_float(void) { return 1.25f; }
__attribute__((noinline)) double ret_double(void) { return 2.5e10; }
__attribute__((noinline)) long double ret_long_double(void) { return 3.5L; }
__attribute__((noinline)) struct two_ints ret_two_ints(void) { struct two_ints r = {7, -8}; return r; }
__attribute__((noinline)) struct mixed ret_mixed(void) { struct mixed r = {99, 0.5}; return r; }
__attribute__((noinline)) struct two_doubles ret_two_doubles(void) { struct two_doubles r = {1.5, -2.25}; return r; }
__attribute__((noinline)) struct floats ret_floats(void) { struct floats r = {1.0f, 2.0f, 3.0f}; return r; }
__attribute__((noinline)) struct big ret_big(void) { struct big r = {{1, 2, 3, 4, 5}}; return r; }
__attribute__((noinline)) struct chars ret_chars(void) { struct chars r = {{'a', 'b', 'c'}}; return r; }
__attribute__((noinline)) union number ret_union(void) { union number r; r.i = 65; return r; }
__attribute__((noinline)) enum color ret_enum(void) { return BLUE; }
__attribute__((noinline)) void ret_void(void) {}

int main(void)
{
    long sum = ret_int() + ret_uchar() + ret_char() + ret_bool() + ret_long();
    sum += ret_string()[0] + (long)ret_float() + (long)ret_double() + (long)ret_long_double();
    sum += ret_two_ints().a + ret_mixed().l + (long)ret_two_doubles().x + (long)ret_floats().h;
    sum += ret_big().v[4] + ret_chars().c[2] + ret_union().i + ret_enum();
    ret_void();
    return (int)(sum & 1);
}
