/*
 * sstc.S - Sstc (stimecmp/vstimecmp), the time CSR and counter-enable gating
 * (privileged spec: "Sstc" extension, mcounteren/scounteren, hcounteren,
 * htimedelta, menvcfg/henvcfg.STCE). Bare only. Needs a readable `time` CSR:
 * on QEMU this runs on the virt machine (spike's CLINT gives no rdtime).
 * Cases 1xx: time and stimecmp from M/S, 2xx: counter gating (illegal
 * instruction), 3xx: V = 1: hcounteren (virtual instruction), htimedelta,
 * vstimecmp.
 */
#include "test.h"
    .option arch, +h

#define STCE (1 << 63)
#define MIP_STIP (1 << 5)
#define MIP_VSTIP (1 << 6)
#define HCOUNTEREN_TM (1 << 1)

RVTEST_CODE_BEGIN
    la t0, stimer_handler; csrw stvec, t0

    /* ---- time and stimecmp ---- */
    TEST_CASE(101, a0, 1, rdtime a1; li t0, 10000; 2: addi t0, t0, -1; bnez t0, 2b; rdtime a2; sltu a0, a1, a2)
    TEST_CASE(102, a0, 1, li t0, STCE; csrs menvcfg, t0; csrr a0, menvcfg; srli a0, a0, 63)
    /* stimecmp = -1: no STIP; stimecmp <= time: STIP */
    TEST_CASE(103, a0, 0, li t0, -1; csrw stimecmp, t0; csrr a0, mip; andi a0, a0, MIP_STIP)
    TEST_CASE(104, a0, MIP_STIP, csrw stimecmp, zero; csrr a0, mip; andi a0, a0, MIP_STIP)
    TEST_CASE(105, a0, 0, li t0, -1; csrw stimecmp, t0; csrr a0, mip; andi a0, a0, MIP_STIP)
    /* with STCE = 1 software cannot set mip.STIP */
    TEST_CASE(106, a0, 0, li t0, MIP_STIP; csrs mip, t0; csrr a0, mip; andi a0, a0, MIP_STIP)
    /* stimecmp read back */
    TEST_CASE(107, a0, 0x123456789, li t0, 0x123456789; csrw stimecmp, t0; csrr a0, stimecmp;
        li t0, -1; csrw stimecmp, t0)
    /* an S timer interrupt from stimecmp, delegated, taken in S: cause IRQ(5) */
    TEST_CASE(108, s10, IRQ(5),
        li t0, MIP_STIP; csrw mideleg, t0; li s5, 0; li s10, 0; GOTO_MODE(1, 0, 2f);
        2: li t0, MIP_STIP; csrs sie, t0; rdtime t0; addi t0, t0, 100; csrw stimecmp, t0;
        csrsi sstatus, MSTATUS_SIE; li t1, 10000000;
        3: bnez s5, 4f; addi t1, t1, -1; bnez t1, 3b; j fail;
        4: csrci sstatus, MSTATUS_SIE)
    TEST_CASE(109, a0, 0, csrr a0, sip; andi a0, a0, MIP_STIP)        /* handler moved stimecmp */
    /* S can read time with mcounteren.TM = 1 (the prologue sets it) */
    TEST_CASE(110, a0, 1, rdtime a0; snez a0, a0)

    /* ---- gating: illegal instruction ---- */
    /* STCE = 0: stimecmp from S is illegal */
    TEST_CASE(201, s10, CAUSE_ILLEGAL,
        TO_M(2f); 2: li t0, STCE; csrc menvcfg, t0; la t0, strap_vector; csrw stvec, t0;
        GOTO_MODE(1, 0, 3f); 3: TRAPS(CAUSE_ILLEGAL, csrr a0, stimecmp))
    /* STCE = 1 but mcounteren.TM = 0: stimecmp and time from S are illegal */
    TEST_CASE(202, s10, CAUSE_ILLEGAL,
        TO_M(2f); 2: li t0, STCE; csrs menvcfg, t0; csrci mcounteren, 2;
        GOTO_MODE(1, 0, 3f); 3: TRAPS(CAUSE_ILLEGAL, csrw stimecmp, zero))
    TEST_CASE(203, s10, CAUSE_ILLEGAL, TRAPS(CAUSE_ILLEGAL, rdtime a0))
    /* U-mode needs scounteren.TM as well */
    TEST_CASE(204, s10, CAUSE_ILLEGAL,
        TO_M(2f); 2: csrsi mcounteren, 2; csrci scounteren, 2; GOTO_MODE(0, 0, 3f);
        3: rdcycle a0; TRAPS(CAUSE_ILLEGAL, rdtime a0))
    TEST_CASE(205, a0, 1, TO_M(2f); 2: csrsi scounteren, 2; GOTO_MODE(0, 0, 3f); 3: rdtime a0; li a0, 1)
    /* stimecmp is never accessible from U */
    TEST_CASE(206, s10, CAUSE_ILLEGAL, TRAPS(CAUSE_ILLEGAL, csrr a0, stimecmp))

    /* ---- V = 1: hcounteren, htimedelta ---- */
    /* time from VS with mcounteren.TM = 1, hcounteren.TM = 0: virtual instruction */
    TEST_CASE(301, s10, CAUSE_VIRTUAL,
        TO_M(2f); 2: csrw hcounteren, zero; GOTO_MODE(1, 1, 3f); 3: TRAPS(CAUSE_VIRTUAL, rdtime a0))
    TEST_CASE(302, s10, CAUSE_VIRTUAL, TRAPS(CAUSE_VIRTUAL, rdcycle a0))
    /* ... and illegal when mcounteren.TM = 0, whatever hcounteren says */
    TEST_CASE(303, s10, CAUSE_ILLEGAL,
        TO_M(2f); 2: csrci mcounteren, 2; li t0, -1; csrw hcounteren, t0; GOTO_MODE(1, 1, 3f);
        3: TRAPS(CAUSE_ILLEGAL, rdtime a0))
    /* htimedelta is added to the time the guest reads */
    TEST_CASE(304, a0, 1,
        TO_M(2f); 2: csrsi mcounteren, 2; li t0, 1 << 40; csrw htimedelta, t0;
        GOTO_MODE(1, 1, 3f); 3: rdtime a1; li t0, 1 << 40; sltu a0, a1, t0; xori a0, a0, 1)
    TEST_CASE(305, a0, 1, TO_M(2f); 2: rdtime a1; li t0, 1 << 40; sltu a0, a1, t0; csrw htimedelta, zero)
    /* menvcfg.STCE = 1, henvcfg.STCE = 0: stimecmp from VS is a virtual instruction */
    TEST_CASE(306, s10, CAUSE_VIRTUAL,
        li t0, STCE; csrc henvcfg, t0; GOTO_MODE(1, 1, 2f); 2: TRAPS(CAUSE_VIRTUAL, csrr a0, stimecmp))
    /* henvcfg.STCE = 1: stimecmp in VS is vstimecmp */
    TEST_CASE(307, a0, 0x55667788,
        TO_M(2f); 2: li t0, STCE; csrs henvcfg, t0; li t0, -1; csrw stimecmp, t0; GOTO_MODE(1, 1, 3f);
        3: li t0, 0x55667788; csrw stimecmp, t0; TO_M(4f); 4: csrr a0, vstimecmp;
        csrr a1, stimecmp; li t0, -1; bne a1, t0, fail)
    /* vstimecmp <= time + htimedelta raises VSTIP in hip */
    TEST_CASE(308, a0, MIP_VSTIP,
        li t0, -1; csrw vstimecmp, t0; csrr a0, hip; andi a0, a0, MIP_VSTIP; bnez a0, fail;
        li t0, 1 << 40; csrw htimedelta, t0; li t0, 1 << 39; csrw vstimecmp, t0;
        csrr a0, hip; andi a0, a0, MIP_VSTIP)
    /* delegated with hideleg, the guest takes it as IRQ(5) */
    TEST_CASE(309, s10, IRQ(5),
        li t0, MIP_VSTIP; csrw hideleg, t0; la t0, stimer_handler; csrw vstvec, t0;
        li s5, 0; li s10, 0; GOTO_MODE(1, 1, 2f);
        2: li t0, MIP_STIP; csrs sie, t0; csrsi sstatus, MSTATUS_SIE; nop; nop;
        bnez s5, 3f; j fail; 3: csrci sstatus, MSTATUS_SIE)
    TEST_CASE(310, a0, 1,
        TO_M(2f); 2: csrw htimedelta, zero; csrw hideleg, zero; li t0, -1; csrw vstimecmp, t0;
        csrw stimecmp, t0; csrwi mideleg, 0; li a0, 1)

RVTEST_CODE_END

    .text
    .balign 4
    .option push
    .option norvc
/* S/VS timer handler: record, push stimecmp to the far future, return */
stimer_handler:
    csrr s10, scause
    bgez s10, strap_vector
    li s5, 1
    li t0, -1
    csrw stimecmp, t0           /* vstimecmp when V = 1 */
    csrw sie, zero
    sret
    .option pop

RVTEST_DATA_BEGIN
RVTEST_DATA_END
