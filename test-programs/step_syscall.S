/* Prints the addresses of two labels, traps, then makes a getpid system call: a test steps
 * over the `syscall` instruction (which the kernel reports with si_code TRAP_BRKPT). */
        .text
        .globl main
        .type main, @function
main:
        push %rbp
        mov %rsp, %rbp
        lea fmt(%rip), %rdi
        lea before(%rip), %rsi
        lea after(%rip), %rdx
        xor %eax, %eax
        call printf@PLT
        xor %edi, %edi
        call fflush@PLT
        int3
        mov $39, %eax
before: syscall
after:  nop
        xor %eax, %eax
        pop %rbp
        ret
        .size main, .-main

        .section .rodata
fmt:    .string "before=%p after=%p\n"
        .section .note.GNU-stack,"",@progbits
