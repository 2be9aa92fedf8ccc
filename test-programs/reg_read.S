/* Loads known values into registers and traps after each group, so that a test can read
 * them: trap 1 rax/rsi/r13, trap 2 st0 = 42.5, trap 3 mm0, trap 4 xmm0 = 64.125. */
        .text
        .globl main
        .type main, @function
main:
        push %rbp
        mov %rsp, %rbp
        push %r13
        sub $8, %rsp
        movabs $0x0102030405060708, %rax
        movabs $0xcafef00ddeadbeef, %rsi
        movabs $0x1122334455667788, %r13
        int3
        fldl value42(%rip)
        int3
        fstpl scratch(%rip)
        movq mmvalue(%rip), %mm0
        int3
        emms
        movsd xmmvalue(%rip), %xmm0
        int3
        xor %eax, %eax
        add $8, %rsp
        pop %r13
        pop %rbp
        ret
        .size main, .-main

        .data
value42:  .double 42.5
mmvalue:  .quad 0xba5eba11f00dface
xmmvalue: .double 64.125
scratch:  .quad 0
        .section .note.GNU-stack,"",@progbits
