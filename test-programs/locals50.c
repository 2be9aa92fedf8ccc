/* A frame with 50 local variables of mixed types (integers, floating point, pointers, strings,
 * arrays, structs, a union, an enum): `cargo xtask bench v` stops in `checkpoint`, goes `up`
 * to `fifty_locals` and times `locals` (gdb: `info locals`) there, against gdb. The last
 * local, `sentinel`, has a value no other local has, so that a run's output can be counted.
 * Run to its end it prints `locals50 done`. */
#include <stdio.h>
#include <string.h>

struct point {
    int x;
    int y;
};

struct rect {
    struct point corner;
    struct point size;
    const char *name;
};

union word {
    long as_long;
    unsigned char bytes[8];
};

enum mood { CALM, BUSY = 3, DONE };

int checkpoint(long seen)
{
    return (int)(seen & 0x7f);
}

int fifty_locals(int count)
{
    char c1 = 'a';
    signed char c2 = -2;
    unsigned char c3 = 200;
    short s1 = -300;
    unsigned short s2 = 60000;
    int i1 = count;
    int i2 = -123456;
    unsigned int u1 = 4000000000u;
    long l1 = -9876543210L;
    unsigned long l2 = 18000000000000000000ul;
    long long ll1 = 1LL << 40;
    float f1 = 1.5f;
    float f2 = -0.25f;
    double d1 = 3.141592653589793;
    double d2 = 1e-9;
    _Bool flag = 1;
    int *ip = &i1;
    const char *text = "fifty locals";
    void *vp = &d1;
    char name[16] = "checkpoint";
    int small[4] = {1, 2, 3, 4};
    long grid[2][3] = {{1, 2, 3}, {4, 5, 6}};
    double weights[3] = {0.5, 0.25, 0.125};
    struct point origin = {0, 0};
    struct point far = {1000, -1000};
    struct rect box = {{1, 2}, {30, 40}, "box"};
    struct point path[3] = {{1, 1}, {2, 4}, {3, 9}};
    union word word = {.as_long = 0x0102030405060708L};
    enum mood mood = BUSY;
    struct point *pp = &far;
    int a1 = 11;
    int a2 = 12;
    int a3 = 13;
    int a4 = 14;
    int a5 = 15;
    long b1 = 21;
    long b2 = 22;
    long b3 = 23;
    long b4 = 24;
    long b5 = 25;
    unsigned u2 = 31;
    unsigned u3 = 32;
    unsigned u4 = 33;
    short s3 = 41;
    short s4 = 42;
    char c4 = 'z';
    double d3 = 2.5;
    double d4 = -7.75;
    float f3 = 100.0f;
    long sentinel = 7654321;

    return checkpoint(c1 + c2 + c3 + s1 + s2 + i1 + i2 + u1 + l1 + (long)l2 + ll1 + (long)f1 +
                      (long)f2 + (long)d1 + (long)d2 + flag + *ip + (long)strlen(text) +
                      (vp != NULL) + name[0] + small[3] + grid[1][2] + (long)weights[0] +
                      origin.x + far.y + box.size.x + path[2].y + word.bytes[0] + mood + pp->x +
                      a1 + a2 + a3 + a4 + a5 + b1 + b2 + b3 + b4 + b5 + u2 + u3 + u4 + s3 + s4 +
                      c4 + (long)d3 + (long)d4 + (long)f3 + sentinel);
}

int main(void)
{
    int result = fifty_locals(50);
    printf("locals50 done %d\n", result);
    return 0;
}
