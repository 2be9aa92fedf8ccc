/* Every kind of C value a debugger prints: base types, pointers, arrays, structs, unions,
 * enums, bitfields, typedefs, qualifiers, globals, statics, thread locals and nested
 * scopes. Tests stop in `checkpoint`, go `up` to `show_values` (or stay in `checkpoint` for
 * its arguments) and compare what dbg prints with what gdb prints. `main` prints some values
 * after the checkpoint so that a test can see an assignment take effect. */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct point {
    int x;
    int y;
};

struct node {
    int value;
    struct node *next;
};

typedef struct point point_t;
typedef unsigned int u32;

enum color { RED, GREEN = 5, BLUE };
enum flags { FLAG_A = 1, FLAG_B = 2, FLAG_C = 4 };

union number {
    int i;
    float f;
    unsigned char bytes[4];
};

struct packed_bits {
    unsigned int low : 3;
    unsigned int mid : 5;
    int negative : 4;
    bool flag : 1;
    unsigned int wide : 20;
};

struct shape {
    char name[12];
    struct point corners[2];
    enum color color;
    union number area;
    double scale;
    const char *label;
    struct {
        int inner_a;
        short inner_b;
    };
    union {
        long as_long;
        char as_chars[8];
    } overlay;
};

struct message {
    int length;
    char text[];
};

struct matrix {
    int cells[2][3];
};

int global_counter = 42;
static double global_ratio = 2.5;
const char *global_greeting = "hello, values";
struct point global_origin = {-1, 1};
int global_table[5] = {10, 20, 30, 40, 50};
static int global_zeros[40];
long global_big[300];
__thread int thread_value = 7;
volatile int global_volatile = 3;
int (*global_callback)(int, int);
struct message *global_message;

int add(int a, int b)
{
    return a + b;
}

int checkpoint(int count, const char *label, struct point where, double ratio)
{
    static int calls;
    calls++;
    return count + (int)strlen(label) + where.x + (int)ratio + calls;
}

int show_values(int count, const char *label)
{
    char c = 'A';
    signed char sc = -5;
    unsigned char uc = 200;
    char newline = '\n';
    char nul = 0;
    short s = -1234;
    unsigned short us = 65000;
    int i = -123456;
    unsigned int u = 4000000000u;
    long l = -9000000000L;
    unsigned long ul = 18000000000000000000ul;
    long long ll = -1;
    bool yes = true;
    bool no = false;
    float f = 1.1f;
    double d = 3.141592653589793;
    double third = 1.0 / 3.0;
    double big = 1e300;
    double tiny = 5e-324;
    long double ld = 2.5L;
    int *ip = &global_counter;
    int *null_ptr = NULL;
    void *vp = &i;
    const char *str = "text with \"quotes\"\tand tab";
    char buf[16] = "abc";
    char full[4] = {'w', 'x', 'y', 'z'};
    int arr[5] = {1, 2, 3, 4, 5};
    int same[12] = {7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7};
    int mixed[15] = {1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 4};
    int grid[2][3] = {{1, 2, 3}, {4, 5, 6}};
    struct point pt = {3, -4};
    point_t typed_pt = {10, 20};
    struct point *ppt = &pt;
    struct point pts[3] = {{1, 2}, {3, 4}, {5, 6}};
    struct node second = {2, NULL};
    struct node first = {1, &second};
    enum color col = GREEN;
    enum color odd_col = (enum color)42;
    enum flags fl = FLAG_A | FLAG_C;
    union number num;
    struct packed_bits bits = {5, 17, -3, true, 1000000};
    struct shape sh;
    struct matrix m = {{{1, 2, 3}, {4, 5, 6}}};
    u32 typed_u = 77;
    const int ci = 9;
    volatile long vl = 11;
    int (*fn)(int, int) = add;
    long sum = 0;

    num.f = 1.5f;
    memset(&sh, 0, sizeof sh);
    strcpy(sh.name, "square");
    sh.corners[1].x = 8;
    sh.color = BLUE;
    sh.area.i = 16;
    sh.scale = 0.5;
    sh.label = label;
    sh.inner_a = -2;
    sh.inner_b = 3;
    sh.overlay.as_long = 0x4142434445464748L;
    global_callback = add;
    global_message = malloc(sizeof *global_message + 6);
    if (global_message != NULL) {
        global_message->length = 5;
        memcpy(global_message->text, "hello", 6);
    }
    for (int k = 0; k < 300; k++)
        global_big[k] = k < 250 ? 1 : k;

    {
        int inner = count * 2;
        int i = 99; /* shadows the outer i */
        sum = checkpoint(count + inner + i, label, pt, d);
    }
    sum += c + sc + uc + newline + nul + s + us + i + (long)u + l + (long)ul + ll + yes + no;
    sum += (long)f + (long)d + (long)third + (long)(big > 0) + (long)(tiny > 0) + (long)ld;
    sum += *ip + (null_ptr == NULL) + (vp != NULL) + str[0] + buf[0] + full[0] + arr[4];
    sum += same[0] + mixed[0] + grid[1][2] + typed_pt.x + ppt->y + pts[2].x + first.next->value;
    sum += col + odd_col + fl + num.i + bits.low + sh.scale + m.cells[1][1] + typed_u + ci + vl;
    sum += fn(1, 2) + global_zeros[0] + (long)global_ratio + global_volatile + thread_value;
    return (int)(sum & 0x7f);
}

int main(int argc, char **argv)
{
    (void)argv;
    int result = show_values(argc, "shape label");
    printf("global_counter=%d global_origin=%d,%d result=%d\n", global_counter,
           global_origin.x, global_origin.y, result);
    free(global_message);
    return 0;
}
