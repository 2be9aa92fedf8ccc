// cflags: -pthread
// Breakpoint sites on every class of instruction that dbg runs out of line or emulates:
// RIP-relative loads, stores and `lea`, `call rel32`, `call [rip+x]`, `jmp`, `jcc` (taken and
// not), `ret`, `syscall`, `lock cmpxchg`, `push [rip+x]`, SSE and AVX loads with RIP-relative
// operands, and a prefixed (16-bit) instruction. Each site is a global label, so that a test
// can break on it. `ool_sites ROUNDS THREADS` runs `ool_round(0..ROUNDS)` on THREADS threads,
// checks every result against the same computation in C, and prints the checksum, the
// atomic counter and OK (or MISMATCH): the program checks itself, with or without debugger.
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

uint64_t ool_round(uint64_t x);

#define K1 0x9e3779b97f4a7c15ULL
#define K2 0x0123456789abcdefULL
#define K3 0x1111111111111111ULL
#define K4 0x4321U
#define T1 0x5555aaaa5555aaaaULL
#define V0 0x0f0f0f0f0f0f0f0fULL

uint64_t ool_k1 = K1, ool_k2 = K2, ool_k3 = K3;
uint64_t ool_table[2] = {0, T1};
uint64_t ool_v[2] __attribute__((aligned(16))) = {V0, 0};
uint16_t ool_k4 = K4;
uint64_t ool_sink, ool_counter;
uint64_t (*ool_helper_ptr)(void);

__asm__(
    ".intel_syntax noprefix\n"
    ".text\n"
    ".globl ool_helper\n"
    ".type ool_helper, @function\n"
    "ool_helper:\n"
    "    lea rax, [rax + rax*2 + 1]\n"
    ".globl ool_ret\n"
    "ool_ret:\n"
    "    ret\n"
    ".globl ool_round\n"
    ".type ool_round, @function\n"
    "ool_round:\n"
    "    push rbp\n"
    "    mov rbp, rsp\n"
    "    push rbx\n"
    ".globl ool_load\n"
    "ool_load:\n"
    "    mov rax, qword ptr [rip + ool_k1]\n"
    "    add rax, rdi\n"
    ".globl ool_lea\n"
    "ool_lea:\n"
    "    lea rcx, [rip + ool_table]\n"
    "    xor rax, qword ptr [rcx + 8]\n"
    ".globl ool_store\n"
    "ool_store:\n"
    "    mov qword ptr [rip + ool_sink], rax\n"
    ".globl ool_call\n"
    "ool_call:\n"
    "    call ool_helper\n"
    ".globl ool_callmem\n"
    "ool_callmem:\n"
    "    call qword ptr [rip + ool_helper_ptr]\n"
    ".globl ool_jmp\n"
    "ool_jmp:\n"
    "    jmp 1f\n"
    "    ud2\n"
    "1:  cmp rdi, 5\n"
    ".globl ool_jcc\n"
    "ool_jcc:\n"
    "    jb 2f\n"
    "    add rax, 7\n"
    "2:  test rdi, 1\n"
    ".globl ool_jcc_near\n"
    "ool_jcc_near:\n"
    "    .byte 0x0f, 0x85\n" /* jnz rel32 */
    "    .long 3f - 4f\n"
    "4:  add rax, 11\n"
    "3:\n"
    ".globl ool_push\n"
    "ool_push:\n"
    "    push qword ptr [rip + ool_k2]\n"
    "    pop rcx\n"
    "    add rax, rcx\n"
    "    mov rbx, rax\n"
    "5:  mov rax, qword ptr [rip + ool_counter]\n"
    "    lea rdx, [rax + 1]\n"
    ".globl ool_cmpxchg\n"
    "ool_cmpxchg:\n"
    "    lock cmpxchg qword ptr [rip + ool_counter], rdx\n"
    "    jne 5b\n"
    "    mov rax, rbx\n"
    ".globl ool_sse\n"
    "ool_sse:\n"
    "    movq xmm0, qword ptr [rip + ool_k3]\n"
    "    movq rcx, xmm0\n"
    "    add rax, rcx\n"
    ".globl ool_avx\n"
    "ool_avx:\n"
    "    vmovdqu xmm1, xmmword ptr [rip + ool_v]\n"
    "    vmovq rcx, xmm1\n"
    "    add rax, rcx\n"
    ".globl ool_prefixed\n"
    "ool_prefixed:\n"
    "    add ax, word ptr [rip + ool_k4]\n"
    "    mov rbx, rax\n"
    "    mov eax, 24\n" /* sched_yield */
    ".globl ool_syscall\n"
    "ool_syscall:\n"
    "    syscall\n"
    "    add rax, rbx\n"
    "    pop rbx\n"
    "    pop rbp\n"
    ".globl ool_round_ret\n"
    "ool_round_ret:\n"
    "    ret\n"
    ".att_syntax prefix\n");

extern uint64_t ool_helper(void);

static uint64_t expected(uint64_t x) {
    uint64_t r = (K1 + x) ^ T1;
    r = r * 3 + 1;
    r = r * 3 + 1;
    if (x >= 5)
        r += 7;
    if (!(x & 1))
        r += 11;
    r += K2;
    r += K3;
    r += V0;
    r = (r & ~0xffffULL) | ((r + K4) & 0xffff);
    return r;
}

static uint64_t rounds;
static int mismatches;

static void *worker(void *arg) {
    uint64_t *sum = arg;
    for (uint64_t x = 0; x < rounds; x++) {
        uint64_t got = ool_round(x);
        if (got != expected(x))
            __atomic_add_fetch(&mismatches, 1, __ATOMIC_SEQ_CST);
        *sum += got;
    }
    return NULL;
}

int main(int argc, char **argv) {
    rounds = argc > 1 ? strtoull(argv[1], NULL, 10) : 10;
    int threads = argc > 2 ? atoi(argv[2]) : 1;
    if (threads < 1 || threads > 64)
        threads = 1;
    ool_helper_ptr = ool_helper;
    pthread_t ids[64];
    uint64_t sums[64] = {0};
    for (int i = 0; i < threads; i++)
        pthread_create(&ids[i], NULL, worker, &sums[i]);
    uint64_t total = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(ids[i], NULL);
        total += sums[i];
    }
    printf("checksum %016" PRIx64 " counter %" PRIu64 " %s\n", total, ool_counter,
           mismatches == 0 && ool_counter == rounds * (uint64_t)threads ? "OK" : "MISMATCH");
    return mismatches != 0;
}
