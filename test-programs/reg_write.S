/* Traps so that a test can write registers, then prints what it finds:
 * trap 1, then "r13=.. r12=.. rbx=..", "st0=.. xmm0=.."; trap 2, then "mm0=..". */
        .text
        .globl main
        .type main, @function
main:
        push %rbp
        mov %rsp, %rbp
        push %rbx
        push %r12
        push %r13
        sub $8, %rsp
        fld1
        int3
        movsd %xmm0, xmmsave(%rip)
        fstpl stsave(%rip)
        lea fmt_gpr(%rip), %rdi
        mov %r13, %rsi
        mov %r12, %rdx
        mov %rbx, %rcx
        xor %eax, %eax
        call printf@PLT
        lea fmt_fp(%rip), %rdi
        movsd stsave(%rip), %xmm0
        movsd xmmsave(%rip), %xmm1
        mov $2, %eax
        call printf@PLT
        int3
        movq %mm0, %rsi
        emms
        lea fmt_mm(%rip), %rdi
        xor %eax, %eax
        call printf@PLT
        xor %eax, %eax
        add $8, %rsp
        pop %r13
        pop %r12
        pop %rbx
        pop %rbp
        ret
        .size main, .-main

        .section .rodata
fmt_gpr: .string "r13=%#lx r12=%#lx rbx=%#lx\n"
fmt_fp:  .string "st0=%.17g xmm0=%.17g\n"
fmt_mm:  .string "mm0=%#lx\n"
        .data
xmmsave: .quad 0
stsave:  .quad 0
        .section .note.GNU-stack,"",@progbits
