/*
 * traps.S - exceptions, interrupts and delegation (privileged spec, "Machine-Level
 * ISA": mcause, mepc, mtval, medeleg/mideleg, mstatus xPP/xPIE/xIE, TSR/TW/TVM,
 * mtvec/stvec modes, interrupt priorities, WFI). Bare variant only.
 * Cases 1xx: ecall, 2xx: illegal instruction and mtval, 3xx: breakpoint and
 * misaligned accesses, 4xx: delegation to S, 5xx: mret/sret, 6xx: TSR/TW/TVM,
 * 7xx: software interrupts and tvec modes, 8xx: WFI, 9xx: MPRV cleared by xRET,
 * 10xx: interrupt priority (needs the CLINT at 0x02000000 for MSIP and MTIP, as
 * on QEMU spike and virt). QEMU 7.2 follows neither 9xx nor 10xx.
 */
#include "test.h"

#define CLINT_MSIP     0x02000000
#define CLINT_MTIMECMP 0x02004000
#define CLINT_MTIME    0x0200bff8
#define MIP_SSIP (1 << 1)
#define MIP_MSIP (1 << 3)
#define MIP_STIP (1 << 5)
#define MIP_MTIP (1 << 7)
#define MIP_SEIP (1 << 9)
#define MENVCFG_STCE (1 << 63)

/* resume-in-M guard for the custom M handlers below */
#define MTRAP_PROLOGUE bnez s7, mtrap_vector

RVTEST_CODE_BEGIN
    la t0, mtrap_record; csrw mtvec, t0
    la t0, strap_record; csrw stvec, t0

    /* ---- ecall: cause by mode, mepc = the ecall, mtval = 0 ---- */
    TEST_CASE(101, s10, CAUSE_ECALL_M,
        la a1, 2f; ARM_TRAP(3f); 2: ecall; j fail; 3: nop)
    TEST_CASE(102, s9, 0, sub s9, s9, a1)                 /* mepc */
    TEST_CASE(103, s11, 0, nop)                           /* mtval */
    /* mstatus after the trap: MPP = M, MIE = 0 */
    TEST_CASE(104, a0, MSTATUS_MPP, li a0, MSTATUS_MPP; and a0, s6, a0)
    TEST_CASE(105, s10, CAUSE_ECALL_S,
        GOTO_MODE(1, 0, 2f); 2: la a1, 3f; ARM_TRAP(4f); 3: ecall; j fail; 4: nop)
    TEST_CASE(106, s9, 0, sub s9, s9, a1)
    TEST_CASE(107, a0, MSTATUS_MPP_S, li a0, MSTATUS_MPP; and a0, s6, a0)
    TEST_CASE(108, s10, CAUSE_ECALL_U,
        TO_M(2f); 2: GOTO_MODE(0, 0, 3f); 3: la a1, 4f; ARM_TRAP(5f); 4: ecall; j fail; 5: nop)
    TEST_CASE(109, s9, 0, sub s9, s9, a1)
    TEST_CASE(110, a0, 0, li a0, MSTATUS_MPP; and a0, s6, a0)
    TEST_CASE(111, a0, 1, TO_M(2f); 2: li a0, 1)

    /* ---- illegal instruction: mtval = the instruction bits ---- */
    TEST_CASE(201, s11, 0x1ff02573,                        /* csrr a0, 0x1ff */
        la a1, 2f; ARM_TRAP(3f); 2: csrr a0, 0x1ff; j fail; 3: EXPECT_TRAP(CAUSE_ILLEGAL))
    TEST_CASE(202, s9, 0, sub s9, s9, a1)
    TEST_CASE(203, s11, 0x6501,                            /* c.lui a0, 0: reserved */
        ARM_TRAP(3f); .2byte 0x6501; j fail; 3: EXPECT_TRAP(CAUSE_ILLEGAL))
    TEST_CASE(205, s11, 0x0000707b,                        /* custom-3 opcode, not implemented */
        ARM_TRAP(3f); .word 0x0000707b; j fail; 3: EXPECT_TRAP(CAUSE_ILLEGAL))
    /* privileged instructions from lower modes */
    TEST_CASE(206, s11, 0x30200073,                        /* mret from S */
        GOTO_MODE(1, 0, 2f); 2: ARM_TRAP(3f); mret; j fail; 3: EXPECT_TRAP(CAUSE_ILLEGAL))
    TEST_CASE(207, s11, 0x10200073,                        /* sret from U */
        TO_M(2f); 2: GOTO_MODE(0, 0, 3f); 3: ARM_TRAP(4f); sret; j fail; 4: EXPECT_TRAP(CAUSE_ILLEGAL))
    TEST_CASE(208, s11, 0x12000073,                        /* sfence.vma from U */
        ARM_TRAP(4f); sfence.vma; j fail; 4: EXPECT_TRAP(CAUSE_ILLEGAL))
    TEST_CASE(209, a0, 1, TO_M(2f); 2: li a0, 1)

    /* ---- breakpoint ---- */
    TEST_CASE(301, s10, CAUSE_BREAKPOINT,
        la a1, 2f; ARM_TRAP(3f); .option push; .option norvc; 2: ebreak; .option pop; j fail; 3: nop)
    TEST_CASE(302, s9, 0, sub s9, s9, a1)                 /* mepc = the ebreak */
    /* mtval: 0 or the address of the ebreak */
    TEST_CASE(303, a0, 1, li a0, 1; beqz s11, 2f; bne s11, a1, fail; 2: nop)

    /* ---- misaligned loads/stores: the spec allows handling them in hardware
     * or trapping (cause 4 / 6, mtval = the address); either is accepted here, but
     * a trap must be exact and a trapping store must not write ---- */
#define TEST_MISALIGNED_LOAD(num, load, off, expected)                 \
    TEST_CASE(num, a0, 1,                                              \
        la a1, mdata + off; ARM_TRAP(2f); load a0, 0(a1); j 3f;       \
        2: li t0, CAUSE_MISALIGNED_LOAD; bne s10, t0, fail;           \
        bne s11, a1, fail; li a0, 1; j 4f;                      \
        3: li s8, 0; li t0, expected; bne a0, t0, fail; li a0, 1; 4: nop)
    TEST_MISALIGNED_LOAD(304, lh , 1, 0x0000000000002211)
    TEST_MISALIGNED_LOAD(305, lhu, 7, 0x0000000000008877)
    TEST_MISALIGNED_LOAD(306, lw , 2, 0x0000000055443322)
    TEST_MISALIGNED_LOAD(307, lw , 5, 0xffffffff88776655)
    TEST_MISALIGNED_LOAD(308, lwu, 6, 0x0000000099887766)
    TEST_MISALIGNED_LOAD(309, ld , 4, 0xbbaa998877665544)
#define TEST_MISALIGNED_STORE(num, store, off, value, before, after)   \
    TEST_CASE(num, a0, 1,                                              \
        la a1, mdata2; sd zero, 0(a1); sd zero, 8(a1);                \
        addi a1, a1, off; li a2, value; ARM_TRAP(2f); store a2, 0(a1); j 3f; \
        2: li t0, CAUSE_MISALIGNED_STORE; bne s10, t0, fail;          \
        bne s11, a1, fail; la a1, mdata2; ld a0, 0(a1); li t0, before; \
        bne a0, t0, fail; li a0, 1; j 4f;                              \
        3: li s8, 0; la a1, mdata2; ld a0, 0(a1); li t0, after;       \
        bne a0, t0, fail; li a0, 1; 4: nop)
    TEST_MISALIGNED_STORE(310, sh, 1, 0xbeef, 0, 0x0000000000beef00)
    TEST_MISALIGNED_STORE(311, sw, 3, 0x12345678, 0, 0x0012345678000000)
    TEST_MISALIGNED_STORE(312, sd, 4, 0x1122334455667788, 0, 0x5566778800000000)

    /* ---- delegation to S (medeleg) ---- */
    /* ecall from U delegated: taken in S, scause 8, sepc, stval 0, SPP = U */
    TEST_CASE(401, s10, CAUSE_ECALL_U,
        li t0, 1 << CAUSE_ECALL_U; csrw medeleg, t0;
        GOTO_MODE(0, 0, 2f); 2: la a1, 3f; li s6, -1; ARM_TRAP(4f); 3: ecall; j fail; 4: nop)
    TEST_CASE(402, s9, 0, sub s9, s9, a1)
    TEST_CASE(403, a0, 0, and a0, s6, MSTATUS_SPP)          /* sstatus.SPP = U */
    TEST_CASE(404, s11, 0, nop)
    /* illegal instruction delegated: stval = the instruction */
    TEST_CASE(405, s11, 0x1ff02573,
        TO_M(2f); 2: li t0, (1 << CAUSE_ECALL_U) | (1 << CAUSE_ILLEGAL); csrw medeleg, t0;
        GOTO_MODE(1, 0, 3f); 3: ARM_TRAP(4f); csrr a0, 0x1ff; j fail; 4: EXPECT_TRAP(CAUSE_ILLEGAL))
    TEST_CASE(406, a0, MSTATUS_SPP, and a0, s6, MSTATUS_SPP)   /* from S: SPP = S */
    /* SIE -> SPIE, SIE cleared on the trap */
    TEST_CASE(407, a0, MSTATUS_SPIE,
        csrsi sstatus, MSTATUS_SIE; ARM_TRAP(2f); csrr a0, 0x1ff; j fail;
        2: li a0, MSTATUS_SPIE | MSTATUS_SIE; and a0, s6, a0)
    /* an exception in M-mode is never delegated, whatever medeleg says */
    TEST_CASE(408, s10, CAUSE_ILLEGAL,
        TO_M(2f); 2: li s6, 0; ARM_TRAP(3f); csrr a0, 0x1ff; j fail; 3: nop)
    TEST_CASE(409, a0, 1, li a0, 1; beqz s6, fail)        /* the M handler ran (s6 = mstatus) */
    TEST_CASE(411, a0, 0, csrw medeleg, zero; csrr a0, medeleg)

    /* ---- mret / sret ---- */
    /* mret: MIE = MPIE, MPIE = 1, MPP = least-privileged mode (U) */
    TEST_CASE(501, a0, MSTATUS_MIE | MSTATUS_MPIE,
        li t0, MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP; csrc mstatus, t0;
        li t0, MSTATUS_MPIE | MSTATUS_MPP; csrs mstatus, t0;
        la t0, 2f; csrw mepc, t0; mret; 2: csrr a0, mstatus;
        li t0, MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP; and a0, a0, t0; csrci mstatus, MSTATUS_MIE)
    TEST_CASE(502, a0, MSTATUS_MPIE,
        li t0, MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP; csrc mstatus, t0;
        li t0, MSTATUS_MPP; csrs mstatus, t0;
        la t0, 2f; csrw mepc, t0; mret; 2: csrr a0, mstatus;
        li t0, MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP; and a0, a0, t0)
    /* sret in S: SIE = SPIE, SPIE = 1, SPP = U; mode = old SPP */
    TEST_CASE(504, a0, MSTATUS_SIE | MSTATUS_SPIE,
        GOTO_MODE(1, 0, 2f);
        2: li t0, MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP; csrc sstatus, t0;
        li t0, MSTATUS_SPIE | MSTATUS_SPP; csrs sstatus, t0;
        la t0, 3f; csrw sepc, t0; sret; 3: csrr a0, sstatus;
        li t0, MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP; and a0, a0, t0; csrci sstatus, MSTATUS_SIE)
    /* sret with SPP = U lands in U-mode: sstatus is then illegal */
    TEST_CASE(505, s10, CAUSE_ILLEGAL,
        li t0, MSTATUS_SPP; csrc sstatus, t0; la t0, 2f; csrw sepc, t0; sret;
        2: TRAPS(CAUSE_ILLEGAL, csrr a0, sstatus))
    TEST_CASE(506, a0, 1, TO_M(2f); 2: li a0, 1)

    /* ---- TSR, TW, TVM ---- */
    TEST_CASE(601, s10, CAUSE_ILLEGAL,
        li t0, MSTATUS_TSR; csrs mstatus, t0; GOTO_MODE(1, 0, 2f);
        2: la t0, 3f; csrw sepc, t0; li t0, MSTATUS_SPP; csrs sstatus, t0;
        ARM_TRAP(4f); sret; 3: j fail; 4: EXPECT_TRAP(CAUSE_ILLEGAL))
    /* TSR does not affect sret in M-mode */
    TEST_CASE(602, a0, 1,
        TO_M(2f); 2: li t0, MSTATUS_SPP; csrs mstatus, t0; la t0, 3f; csrw sepc, t0;
        sret; 3: TO_M(4f); 4: li t0, MSTATUS_TSR; csrc mstatus, t0; li a0, 1)
    TEST_CASE(603, s10, CAUSE_ILLEGAL,
        li t0, MSTATUS_TW; csrs mstatus, t0; GOTO_MODE(1, 0, 2f);
        2: TRAPS(CAUSE_ILLEGAL, wfi))
    TEST_CASE(604, s11, 0x10500073, nop)                  /* mtval = wfi */
    TEST_CASE(605, s10, CAUSE_ILLEGAL,
        TO_M(2f); 2: li t0, MSTATUS_TW; csrc mstatus, t0; li t0, MSTATUS_TVM; csrs mstatus, t0;
        GOTO_MODE(1, 0, 3f); 3: TRAPS(CAUSE_ILLEGAL, sfence.vma))
    TEST_CASE(606, s10, CAUSE_ILLEGAL, TRAPS(CAUSE_ILLEGAL, csrr a0, satp))
    TEST_CASE(607, s10, CAUSE_ILLEGAL, TRAPS(CAUSE_ILLEGAL, csrw satp, zero))
    /* TVM clear: both allowed in S */
    TEST_CASE(608, a0, 0,
        TO_M(2f); 2: li t0, MSTATUS_TVM; csrc mstatus, t0; GOTO_MODE(1, 0, 3f);
        3: sfence.vma; csrr a0, satp)
    TEST_CASE(609, a0, 1, TO_M(2f); 2: li a0, 1)

    /* ---- software interrupts, delegation and tvec modes ---- */
    /* SSIP delegated, taken in S through a vectored stvec: vector 1 */
    TEST_CASE(701, s10, IRQ(1),
        csrwi mideleg, MIP_SSIP; GOTO_MODE(1, 0, 2f);
        2: csrci sstatus, MSTATUS_SIE; la t0, svec_table + 1; csrw stvec, t0; csrsi sie, MIP_SSIP;
        li s5, 0; li s10, 0; csrsi sip, MIP_SSIP; nop; nop;
        la a1, 3f; csrsi sstatus, MSTATUS_SIE; 3: nop; nop; csrci sstatus, MSTATUS_SIE)
    TEST_CASE(702, s5, 1, nop)                             /* through vector 1 */
    TEST_CASE(703, s9, 0, sub s9, s9, a1)                  /* sepc: the next instruction */
    TEST_CASE(704, a0, 0, csrr a0, sip; andi a0, a0, MIP_SSIP)
    /* exceptions with a vectored stvec still go to BASE */
    TEST_CASE(705, s10, CAUSE_ILLEGAL, TRAPS(CAUSE_ILLEGAL, csrr a0, 0x1ff))
    /* direct stvec: the same interrupt goes to BASE */
    TEST_CASE(706, s5, 2,
        la t0, sdirect; csrw stvec, t0; li s5, 0; csrsi sip, MIP_SSIP;
        csrsi sstatus, MSTATUS_SIE; nop; csrci sstatus, MSTATUS_SIE)
    TEST_CASE(707, s10, IRQ(1), nop)
    /* in U-mode, S interrupts are enabled whatever sstatus.SIE says: pend SSIP in
     * S with SIE = 0, sret to U, the interrupt is taken at once */
    TEST_CASE(708, s5, 2,
        li s5, 0; csrci sstatus, MSTATUS_SIE; csrsi sip, MIP_SSIP;
        li t0, MSTATUS_SPP | MSTATUS_SPIE; csrc sstatus, t0;
        la t0, 2f; csrw sepc, t0; sret; 2: nop; nop)
    /* ... and in S-mode with SIE = 0 they wait */
    TEST_CASE(710, a0, MIP_SSIP,
        TO_M(2f); 2: la t0, strap_record; csrw stvec, t0; GOTO_MODE(1, 0, 3f);
        3: csrci sstatus, MSTATUS_SIE; li s5, 0; csrsi sip, MIP_SSIP; nop; nop;
        bnez s5, fail; csrr a0, sip; andi a0, a0, MIP_SSIP; csrci sip, MIP_SSIP)
    /* not delegated: SSIP is taken in M (any mode below M: always enabled);
     * vectored mtvec: vector 1 */
    TEST_CASE(711, s5, 3,
        TO_M(2f); 2: csrwi mideleg, 0; la t0, mvec_table + 1; csrw mtvec, t0;
        csrsi mie, MIP_SSIP; li s5, 0; csrsi mip, MIP_SSIP; GOTO_MODE(1, 0, 3f);
        3: nop; nop; TO_M(4f); 4: nop)
    TEST_CASE(712, a0, 0, li s5, 0; csrsi mip, MIP_SSIP; nop; mv a0, s5)  /* M, MIE = 0: waits */
    TEST_CASE(713, s5, 3, csrsi mstatus, MSTATUS_MIE; nop; nop; csrci mstatus, MSTATUS_MIE)
    TEST_CASE(714, s10, IRQ(1), nop)
    TEST_CASE(715, a0, 0,
        la t0, mtrap_record; csrw mtvec, t0; csrwi mie, 0; csrr a0, mip; andi a0, a0, MIP_SSIP)

    /* ---- WFI ---- */
    /* returns when an interrupt is pending and enabled in mie, even with MIE = 0;
     * no trap is taken (s8 = 0: any trap fails) */
    TEST_CASE(801, a0, 1,
        csrci mstatus, MSTATUS_MIE; csrsi mie, MIP_SSIP; csrsi mip, MIP_SSIP; wfi;
        csrci mip, MIP_SSIP; csrwi mie, 0; li a0, 1)
    /* the same for a delegated interrupt while in S with SIE = 0 */
    TEST_CASE(802, a0, 1,
        csrwi mideleg, MIP_SSIP; csrsi mie, MIP_SSIP; GOTO_MODE(1, 0, 2f);
        2: csrci sstatus, MSTATUS_SIE; csrsi sip, MIP_SSIP; wfi; csrci sip, MIP_SSIP;
        TO_M(3f); 3: csrwi mie, 0; csrwi mideleg, 0; li a0, 1)

    /* ---- 9xx and 10xx: rules that QEMU 7.2 does not follow (last, so that they
     * hide nothing else there). Privileged spec 1.12: "An MRET or SRET instruction
     * that changes the privilege mode to a mode less privileged than M also sets
     * MPRV=0." ---- */
    TEST_CASE(901, a0, 0,
        la t0, mtrap_record; csrw mtvec, t0;
        li t0, MSTATUS_MPRV; csrs mstatus, t0; GOTO_MODE(1, 0, 2f); 2: TO_M(3f);
        3: csrr a0, mstatus; li t0, MSTATUS_MPRV; and a0, a0, t0)
    TEST_CASE(902, a0, 0,
        li t0, MSTATUS_MPRV | MSTATUS_SPP; csrs mstatus, t0; la t0, 2f; csrw sepc, t0;
        sret; 2: TO_M(3f); 3: csrr a0, mstatus; li t0, MSTATUS_MPRV; and a0, a0, t0)


    /* ---- priority: MEI > MSI > MTI > SEI > SSI > STI (privileged spec, "Machine
     * Interrupt Registers"; MEI needs an interrupt controller and is left out).
     * All pending at once, taken in M in that order. QEMU 7.2 without AIA takes
     * the lowest-numbered pending interrupt first (1, 3, 5, 7, 9): it fails 1002. ---- */
    TEST_CASE(1001, a0, 5,
        li t0, MENVCFG_STCE; csrc menvcfg, t0;              /* STIP writable in mip */
        la t0, prio_handler; csrw mtvec, t0; la s4, prio_log; li s5, 0;
        li t0, MIP_MSIP | MIP_MTIP | MIP_SEIP | MIP_SSIP | MIP_STIP; csrw mie, t0;
        li t0, CLINT_MSIP; li t1, 1; sw t1, 0(t0);
        li t0, CLINT_MTIMECMP; sd zero, 0(t0);
        li t0, MIP_SEIP | MIP_SSIP | MIP_STIP; csrs mip, t0;
        2: csrr t0, mip; li t1, MIP_MSIP | MIP_MTIP; and t0, t0, t1; bne t0, t1, 2b;
        csrsi mstatus, MSTATUS_MIE; li a1, 1000; 3: addi a1, a1, -1; bnez a1, 3b;
        csrci mstatus, MSTATUS_MIE; csrwi mie, 0; mv a0, s5)
    TEST_CASE(1002, a0, 3, la a1, prio_log; ld a0, 0(a1))
    TEST_CASE(1003, a0, 7, ld a0, 8(a1))
    TEST_CASE(1004, a0, 9, ld a0, 16(a1))
    TEST_CASE(1005, a0, 1, ld a0, 24(a1))
    TEST_CASE(1006, a0, 5, ld a0, 32(a1))
    TEST_CASE(1007, a0, 1, la t0, mtrap_vector; csrw mtvec, t0; li a0, 1)

RVTEST_CODE_END

/* ------------------------------------------------------------------ */
    .text
    .balign 4
    .option push
    .option norvc
/* like mtrap_vector, also records mstatus in s6 */
mtrap_record:
    MTRAP_PROLOGUE
    beqz s8, mtrap_vector
    csrr s6, mstatus
    j mtrap_vector
/* like strap_vector, also records sstatus in s6 */
strap_record:
    beqz s8, strap_vector
    csrr s6, sstatus
    j strap_vector

/* vectored stvec table: exceptions -> strap_record, SSI -> svec_ssi */
    .balign 256
svec_table:
    j strap_record          /* 0: exceptions */
    j svec_ssi              /* 1: supervisor software */
    j svec_bad              /* 2 */
    j svec_bad              /* 3 */
    j svec_bad              /* 4 */
    j svec_bad              /* 5 */
    j svec_bad              /* 6 */
    j svec_bad              /* 7 */
    j svec_bad              /* 8 */
    j svec_bad              /* 9 */
svec_ssi:
    csrr s9, sepc
    csrr s10, scause
    li s5, 1
    csrci sip, MIP_SSIP
    sret
svec_bad:
    csrr s10, scause
    j fail

/* direct stvec handler for interrupts (exceptions go to strap_record) */
    .balign 4
sdirect:
    csrr s10, scause
    bgez s10, strap_record
    csrr s9, sepc
    li s5, 2
    csrci sip, MIP_SSIP
    sret

/* vectored mtvec table */
    .balign 256
mvec_table:
    j mtrap_record          /* 0: exceptions */
    j mvec_ssi              /* 1 */
    j mvec_bad              /* 2 */
    j mvec_bad              /* 3 */
    j mvec_bad              /* 4 */
    j mvec_bad              /* 5 */
    j mvec_bad              /* 6 */
    j mvec_bad              /* 7 */
    j mvec_bad              /* 8 */
    j mvec_bad              /* 9 */
    j mvec_bad              /* 10 */
    j mvec_bad              /* 11 */
mvec_ssi:
    csrr s10, mcause
    li s5, 3
    csrci mip, MIP_SSIP
    mret
mvec_bad:
    csrr s10, mcause
    j fail

/* priority test: log the cause, silence its source, return */
    .balign 4
prio_handler:
    MTRAP_PROLOGUE
    csrr t0, mcause
    bgez t0, mtrap_vector           /* an exception: not expected */
    slli t0, t0, 1
    srli t0, t0, 1
    slli t1, s5, 3
    add t1, t1, s4
    sd t0, 0(t1)
    addi s5, s5, 1
    li t1, 3
    bne t0, t1, 1f
    li t1, CLINT_MSIP
    sw zero, 0(t1)
    j 9f
1:  li t1, 7
    bne t0, t1, 2f
    li t1, CLINT_MTIMECMP
    li t2, -1
    sd t2, 0(t1)
    j 9f
2:  li t1, 1
    sll t1, t1, t0
    csrc mip, t1                    /* SEIP, SSIP, STIP: software-writable in mip */
9:  li t1, 8
    bltu s5, t1, 8f
    j fail                          /* too many interrupts: a source did not clear */
8:  mret
    .option pop

RVTEST_DATA_BEGIN
    .balign 16
mdata:
    .dword 0x7766554433221100
    .dword 0xffeeddccbbaa9988
mdata2:
    .dword 0, 0
prio_log:
    .skip 64
RVTEST_DATA_END
