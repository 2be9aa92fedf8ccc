/* Prints the addresses of four labels, traps, then runs a nop, a 5-byte mov and a jump:
 * a test single-steps through them and checks the pc lands on each label in turn. */
        .text
        .globl main
        .type main, @function
main:
        push %rbp
        mov %rsp, %rbp
        lea fmt(%rip), %rdi
        lea s0(%rip), %rsi
        lea s1(%rip), %rdx
        lea s2(%rip), %rcx
        lea s3(%rip), %r8
        xor %eax, %eax
        call printf@PLT
        xor %edi, %edi
        call fflush@PLT
        int3
s0:     nop
s1:     mov $1, %eax
s2:     jmp s3
        ud2
s3:     xor %eax, %eax
        pop %rbp
        ret
        .size main, .-main

        .section .rodata
fmt:    .string "s0=%p s1=%p s2=%p s3=%p\n"
        .section .note.GNU-stack,"",@progbits
