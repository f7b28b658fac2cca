/*
 * test.h - common header of the Hyperscope ISA tests (assembly, self-checking).
 *
 * One source builds two variants, chosen by -DBARE or -DGUEST:
 *
 *   BARE   linked at 0x80000000, entered in M-mode with nothing set up. Ends
 *          through HTIF: writes 1 (pass) or (testnum << 1) | 1 (fail) to the
 *          64-bit `tohost` symbol (section .tohost). Runs on
 *          `hyperscope run --bare` and on `qemu-system-riscv64 -M spike`.
 *   GUEST  linked at 0x80200000, entered in S-mode (VS-mode under the
 *          Hyperscope hypervisor, S-mode under OpenSBI on QEMU virt). Prints
 *          "PASS" or "FAIL <testnum>" through the legacy SBI console putchar
 *          (eid 1), then calls SBI SRST system_reset (eid 0x53525354, fid 0,
 *          type 0 = shutdown, reason 0 = none on pass, 1 = system failure).
 *
 * Register conventions (tests must respect them):
 *   gp (x3)   TESTNUM: number of the running test case (reported on failure)
 *   t6 (x31)  scratch of TEST_CASE (expected value); free between test cases
 *   s7..s11   trap protocol (below); do not use them for anything else
 *
 * Trap protocol of the default handlers (mtrap_vector in M, strap_vector in
 * S/HS/VS; both save nothing, they are meant for "expect a trap here" tests):
 *   s8  resume address. 0 means "no trap expected": the handler jumps to fail.
 *       Otherwise the handler records the trap, sets xepc = s8, clears s8
 *       and returns with xRET (to the privilege mode the trap came from).
 *   s7  non-zero: "resume in M-mode". The M handler sets mstatus.MPP = M and
 *       clears mstatus.MPV and MPIE (M-mode resumes with MIE = 0); the S handler (bare only) forwards with an ecall
 *       to M. Cleared by the M handler. TO_M(label) uses it.
 *   s9  xepc of the trap, s10 xcause, s11 xtval (written by the handler).
 *
 * Macros:
 *   RVTEST_CODE_BEGIN / RVTEST_CODE_END   wrap the test code (END = pass)
 *   RVTEST_DATA_BEGIN / RVTEST_DATA_END   wrap the test data
 *   TEST_CASE(num, reg, expected, code...) run code, compare reg with the
 *                                          64-bit expected value (via li)
 *   CHECK(reg, expected)  another comparison inside the current case
 *   EXPECT_TRAP(cause)  after an instruction that must trap: checks s10
 *   PASS / FAIL         end the test now
 *   TRAP_HOOK(label)    install label as the trap vector of the entry mode
 */
#ifndef HYPERSCOPE_ISA_TEST_H
#define HYPERSCOPE_ISA_TEST_H

#if !defined(BARE) && !defined(GUEST)
#error "build with -DBARE or -DGUEST"
#endif

#define TESTNUM gp

/* mstatus / sstatus bits */
#define MSTATUS_SIE   (1 << 1)
#define MSTATUS_MIE   (1 << 3)
#define MSTATUS_SPIE  (1 << 5)
#define MSTATUS_MPIE  (1 << 7)
#define MSTATUS_SPP   (1 << 8)
#define MSTATUS_MPP   (3 << 11)
#define MSTATUS_MPP_S (1 << 11)
#define MSTATUS_MPRV  (1 << 17)
#define MSTATUS_SUM   (1 << 18)
#define MSTATUS_MXR   (1 << 19)
#define MSTATUS_TVM   (1 << 20)
#define MSTATUS_TW    (1 << 21)
#define MSTATUS_TSR   (1 << 22)
#define MSTATUS_GVA   (1 << 38)
#define MSTATUS_MPV   (1 << 39)

/* causes */
#define CAUSE_MISALIGNED_FETCH 0
#define CAUSE_FETCH_ACCESS     1
#define CAUSE_ILLEGAL          2
#define CAUSE_BREAKPOINT       3
#define CAUSE_MISALIGNED_LOAD  4
#define CAUSE_LOAD_ACCESS      5
#define CAUSE_MISALIGNED_STORE 6
#define CAUSE_STORE_ACCESS     7
#define CAUSE_ECALL_U          8
#define CAUSE_ECALL_S          9
#define CAUSE_ECALL_VS         10
#define CAUSE_ECALL_M          11
#define CAUSE_FETCH_PF         12
#define CAUSE_LOAD_PF          13
#define CAUSE_STORE_PF         15
#define CAUSE_FETCH_GPF        20
#define CAUSE_LOAD_GPF         21
#define CAUSE_VIRTUAL          22
#define CAUSE_STORE_GPF        23
#define IRQ(n)                 ((1 << 63) | (n))

/* ------------------------------------------------------------------ */
/* test cases                                                          */

#define TEST_CASE(num, reg, expected, ...)  \
test_##num:                                 \
    li TESTNUM, num;                        \
    __VA_ARGS__;                            \
    li t6, expected;                        \
    beq reg, t6, 8888f;                     \
    j fail;                                 \
8888:

/* Extra check inside the current test case (no new number). */
#define CHECK(reg, expected)                \
    li t6, expected;                        \
    beq reg, t6, 8889f;                     \
    j fail;                                 \
8889:

/* Arm the handlers: the next trap resumes at label. */
#define ARM_TRAP(label) la s8, label

/* After a trap armed with ARM_TRAP: fail unless the cause was `cause`
 * and the trap really happened (s8 was cleared by the handler). */
#define EXPECT_TRAP(cause)                  \
    bnez s8, fail;                          \
    li t6, cause;                           \
    bne s10, t6, fail

/* Run one instruction that must trap with `cause` (resumes after it). */
#define TRAPS(cause, ...)                   \
    ARM_TRAP(8887f);                        \
    __VA_ARGS__;                            \
    j fail;                                 \
8887:                                       \
    EXPECT_TRAP(cause)

#define PASS j pass
#define FAIL j fail


/* ------------------------------------------------------------------ */
/* shorthands for instruction tests (operands in a1/a2, result in a0)  */

/* rd = inst(rs1 = v1, rs2 = v2) */
#define TEST_RR(num, inst, expected, v1, v2) \
    TEST_CASE(num, a0, expected, li a1, v1; li a2, v2; inst a0, a1, a2)

/* rd = inst(rs1 = v1, imm) */
#define TEST_RI(num, inst, expected, v1, imm) \
    TEST_CASE(num, a0, expected, li a1, v1; inst a0, a1, imm)

/* rd = rs1 = rs2: the source register is also the destination */
#define TEST_RR_SAME(num, inst, expected, v1) \
    TEST_CASE(num, a1, expected, li a1, v1; inst a1, a1, a1)

/* load at base + offset */
#define TEST_LOAD(num, inst, expected, base, offset) \
    TEST_CASE(num, a0, expected, la a1, base; inst a0, offset(a1))

/* store value at base + offset, read it back with load */
#define TEST_STORE(num, load, store, expected, value, base, offset) \
    TEST_CASE(num, a0, expected, la a1, base; li a2, value; \
              store a2, offset(a1); load a0, offset(a1))

/* branch taken / not taken */
#define TEST_BR_TAKEN(num, inst, v1, v2)                        \
test_##num:                                                     \
    li TESTNUM, num; li a1, v1; li a2, v2;                      \
    inst a1, a2, 8885f;                                         \
    j fail;                                                     \
8885:

#define TEST_BR_NOT_TAKEN(num, inst, v1, v2)                    \
test_##num:                                                     \
    li TESTNUM, num; li a1, v1; li a2, v2;                      \
    inst a1, a2, 8884f;                                         \
    j 8883f;                                                    \
8884: j fail;                                                   \
8883:

/* ------------------------------------------------------------------ */
#ifdef BARE

/* Go to M-mode from any mode, continuing at label (which must be mapped at
 * its link address when paging is on: identity-map the test). */
#define TO_M(label)                         \
    li s7, 1;                               \
    ld s8, 8886f;                           \
    ecall;                                  \
    .balign 8;                              \
8886: .dword label

/* From M-mode: continue at label in the mode given by mstatus.MPP bits
 * `mpp` (0 U, 1 S, 3 M) and virtualization `mpv` (0/1). */
#define GOTO_MODE(mpp, mpv, label)          \
    li t0, MSTATUS_MPP | MSTATUS_MPV;       \
    csrc mstatus, t0;                       \
    li t0, ((mpp) << 11) | ((mpv) << 39);   \
    csrs mstatus, t0;                       \
    la t0, label;                           \
    csrw mepc, t0;                          \
    mret

#define TRAP_HOOK(label) la t0, label; csrw mtvec, t0

#define RVTEST_CODE_BEGIN                                       \
    .section .text.init, "ax", @progbits;                       \
    .option push; .option norvc;                                \
    .globl _start;                                              \
_start:                                                         \
    /* registers are undefined at reset: zero them */           \
    li x1, 0; li x2, 0; li x3, 0; li x4, 0; li x5, 0;           \
    li x6, 0; li x7, 0; li x8, 0; li x9, 0; li x10, 0;          \
    li x11, 0; li x12, 0; li x13, 0; li x14, 0; li x15, 0;      \
    li x16, 0; li x17, 0; li x18, 0; li x19, 0; li x20, 0;      \
    li x21, 0; li x22, 0; li x23, 0; li x24, 0; li x25, 0;      \
    li x26, 0; li x27, 0; li x28, 0; li x29, 0; li x30, 0;      \
    li x31, 0;                                                  \
    /* PMP: give S/U all of memory, if PMP is implemented */    \
    la t0, 1f; csrw mtvec, t0;                                  \
    li t0, -1; csrw pmpaddr0, t0;                               \
    li t0, 0x1f; csrw pmpcfg0, t0;                              \
    .balign 4;                                                  \
1:  la t0, 1f; csrw mtvec, t0;                                  \
    csrwi satp, 0;                                              \
    .balign 4;                                                  \
1:  la t0, mtrap_vector; csrw mtvec, t0;                        \
    la t0, strap_vector; csrw stvec, t0;                        \
    csrwi medeleg, 0; csrwi mideleg, 0; csrwi mie, 0;           \
    csrwi mip, 0;                                               \
    li t0, MSTATUS_MPP | MSTATUS_MIE | MSTATUS_SIE | MSTATUS_MPRV; \
    csrc mstatus, t0;                                           \
    csrwi mcounteren, 7; csrwi scounteren, 7;                   \
    la sp, _stack_top;                                          \
    j test_body;                                                \
    .option pop;                                                \
    .text;                                                      \
test_body:

#define RVTEST_CODE_END                                         \
    j pass;                                                     \
    /* align before norvc: GAS cannot pad with c.nop under it */ \
    .balign 4;                                                  \
    .option push; .option norvc;                                \
    /* M-mode handler: see "Trap protocol" */                   \
mtrap_vector:                                                   \
    beqz s8, mtrap_unexpected;                                  \
    csrr s9, mepc; csrr s10, mcause; csrr s11, mtval;           \
    csrw mepc, s8; li s8, 0;                                    \
    beqz s7, 1f;                                                \
    csrw mscratch, t0;                                          \
    li t0, MSTATUS_MPP; csrs mstatus, t0;                       \
    li t0, MSTATUS_MPV | MSTATUS_MPIE; csrc mstatus, t0;        \
    csrr t0, mscratch;                                          \
    li s7, 0;                                                   \
1:  mret;                                                       \
mtrap_unexpected:                                               \
    csrr s9, mepc; csrr s10, mcause; csrr s11, mtval;           \
    j fail;                                                     \
    .balign 4;                                                  \
    /* S/HS/VS-mode handler: see "Trap protocol" */             \
strap_vector:                                                   \
    beqz s8, strap_unexpected;                                  \
    bnez s7, 2f;                                                \
    csrr s9, sepc; csrr s10, scause; csrr s11, stval;           \
    csrw sepc, s8; li s8, 0;                                    \
    sret;                                                       \
2:  ecall; /* forward to M with s7/s8 untouched */              \
strap_unexpected:                                               \
    csrr s9, sepc; csrr s10, scause; csrr s11, stval;           \
    j fail;                                                     \
    /* pass/fail: first reach M-mode through the handlers */    \
pass:                                                           \
    li s7, 1; ld s8, pass_m_addr; ecall;                        \
fail:                                                           \
    li s7, 1; ld s8, fail_m_addr; ecall;                        \
    .balign 8;                                                  \
pass_m_addr: .dword pass_m;                                     \
fail_m_addr: .dword fail_m;                                     \
pass_m:                                                         \
    fence;                                                      \
    li t0, 1;                                                   \
    la t1, tohost; sd t0, 0(t1);                                \
1:  j 1b;                                                       \
fail_m:                                                         \
    fence;                                                      \
    slli t0, TESTNUM, 1; ori t0, t0, 1;                         \
    la t1, tohost; sd t0, 0(t1);                                \
1:  j 1b;                                                       \
    .option pop;                                                \
    .pushsection .tohost, "aw", @progbits;                      \
    .balign 64; .globl tohost; .type tohost, @object; .size tohost, 8; tohost: .dword 0;                \
    .balign 64; .globl fromhost; .type fromhost, @object; .size fromhost, 8; fromhost: .dword 0;            \
    .popsection

#else /* GUEST */

#define TRAP_HOOK(label) la t0, label; csrw stvec, t0

#define RVTEST_CODE_BEGIN                                       \
    .section .text.init, "ax", @progbits;                       \
    .option push; .option norvc;                                \
    .globl _start;                                              \
_start:                                                         \
    li x1, 0; li x3, 0; li x4, 0; li x5, 0;                     \
    li x6, 0; li x7, 0; li x8, 0; li x9, 0; li x10, 0;          \
    li x11, 0; li x12, 0; li x13, 0; li x14, 0; li x15, 0;      \
    li x16, 0; li x17, 0; li x18, 0; li x19, 0; li x20, 0;      \
    li x21, 0; li x22, 0; li x23, 0; li x24, 0; li x25, 0;      \
    li x26, 0; li x27, 0; li x28, 0; li x29, 0; li x30, 0;      \
    li x31, 0;                                                  \
    la t0, strap_vector; csrw stvec, t0;                        \
    csrwi sie, 0; csrci sstatus, MSTATUS_SIE;                   \
    la sp, _stack_top;                                          \
    j test_body;                                                \
    .option pop;                                                \
    .text;                                                      \
test_body:

#define RVTEST_CODE_END                                         \
    j pass;                                                     \
    /* align before norvc: GAS cannot pad with c.nop under it */ \
    .balign 4;                                                  \
    .option push; .option norvc;                                \
strap_vector:                                                   \
    beqz s8, strap_unexpected;                                  \
    csrr s9, sepc; csrr s10, scause; csrr s11, stval;           \
    csrw sepc, s8; li s8, 0;                                    \
    sret;                                                       \
strap_unexpected:                                               \
    csrr s9, sepc; csrr s10, scause; csrr s11, stval;           \
    j fail;                                                     \
pass:                                                           \
    la s1, pass_msg; call sbi_puts;                             \
    li a1, 0; j sbi_shutdown;                                   \
fail:                                                           \
    la s1, fail_msg; call sbi_puts;                             \
    mv a0, TESTNUM; call sbi_putdec;                            \
    li a0, '\n'; call sbi_putchar;                              \
    li a1, 1;                                                   \
sbi_shutdown: /* a1 = reason */                                 \
    li a7, 0x53525354; li a6, 0; li a0, 0; ecall;               \
1:  wfi; j 1b;                                                  \
sbi_putchar: /* a0 = char */                                    \
    li a7, 1; ecall; ret;                                       \
sbi_puts: /* s1 = string; clobbers a0 */                        \
    mv s2, ra;                                                  \
1:  lbu a0, 0(s1); beqz a0, 2f;                                 \
    call sbi_putchar; addi s1, s1, 1; j 1b;                     \
2:  mv ra, s2; ret;                                             \
sbi_putdec: /* a0 = unsigned number; clobbers s1..s5 */         \
    mv s5, ra; mv s3, a0; la s1, dec_buf + 31;                  \
    sb zero, 0(s1);                                             \
1:  li s4, 10; remu a0, s3, s4; divu s3, s3, s4;                \
    addi a0, a0, '0'; addi s1, s1, -1; sb a0, 0(s1);            \
    bnez s3, 1b;                                                \
    call sbi_puts; mv ra, s5; ret;                              \
    .option pop;                                                \
    .pushsection .rodata, "a", @progbits;                       \
pass_msg: .asciz "PASS\n";                                      \
fail_msg: .asciz "FAIL ";                                       \
    .popsection;                                                \
    .pushsection .bss, "aw", @nobits;                           \
dec_buf: .skip 32;                                              \
    .popsection

#endif /* BARE / GUEST */

#define RVTEST_DATA_BEGIN .data; .balign 8;
#define RVTEST_DATA_END                                         \
    .pushsection .bss, "aw", @nobits;                           \
    .balign 16;                                                 \
_stack: .skip 4096;                                             \
_stack_top:                                                     \
    .popsection

#endif /* HYPERSCOPE_ISA_TEST_H */
