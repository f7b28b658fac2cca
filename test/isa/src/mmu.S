/*
 * mmu.S - Sv39 and Sv48 address translation (privileged spec, "Supervisor-Level
 * ISA": satp, Sv39, Sv48, "Virtual Address Translation Process"). Bare only.
 * M-mode builds the page tables, then S-mode and U-mode run through them.
 * Faults are taken in M (mcause/mtval in s10/s11) unless delegated (6xx).
 *
 * A/D bits: the spec lets a hart either update A/D in hardware (Svadu) or raise
 * a page fault when A = 0, or when a store finds D = 0 (Svade). The Hyperscope
 * hart implements the Svade behaviour (faults). QEMU 7.2 updates A/D in
 * hardware. Cases 4xx accept both, and check that a fault leaves the PTE alone
 * and that a hardware update really sets the bit.
 *
 * Virtual memory map (Sv39 root = sv39_root):
 *   0x0040000000 + i*4K   4K pages (l1_a -> l0_a), permissions below
 *   0x0040200000          2 MiB megapage -> PA 0x80200000, RW
 *   0x0040400000          misaligned megapage (PPN 0x80201) -> page fault
 *   0x0080000000          1 GiB gigapage, identity, RWX (S code and data)
 *   0x00c0000000          1 GiB gigapage -> PA 0x80000000, R only
 *   0x0100000000          1 GiB gigapage -> PA 0x80000000, RWX + U (U code)
 *   0x0140000000          misaligned gigapage (PPN 0x80200) -> page fault
 * Sv48 (sv48_root): [0] -> sv39_root (same map below 512 GiB),
 *   0x8000000000          512 GiB terapage -> PA 0, RW
 *   0x10000000000         misaligned terapage (PPN 0x80000) -> page fault
 * Cases 1xx: 4K pages and permissions in S, 2xx: superpages, 3xx: U-mode and
 * SUM/MXR, 4xx: A/D, 5xx: satp WARL, sfence.vma, canonical addresses, 6xx:
 * delegated page faults, 7xx: Sv48.
 */
#include "test.h"

#define PTE_V 0x01
#define PTE_R 0x02
#define PTE_W 0x04
#define PTE_X 0x08
#define PTE_U 0x10
#define PTE_G 0x20
#define PTE_A 0x40
#define PTE_D 0x80
#define RWAD  (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)

#define PAGE(i)    (0x40000000 + (i) * 0x1000)
#define MEGA       0x40200000
#define MEGA_BAD   0x40400000
#define GIGA_RO    0xc0000000
#define U_ALIAS    0x80000000            /* VA = PA + U_ALIAS for the U gigapage */
#define GIGA_BAD   0x140000000
#define TERA       0x8000000000
#define TERA_BAD   0x10000000000
#define SATP_SV39  (8 << 60)
#define SATP_SV48  (9 << 60)

/* table[idx] = leaf or pointer to the page at label */
#define PTE_LABEL(table, idx, label, flags)                     \
    la t0, table; li t2, (idx) * 8; add t0, t0, t2;             \
    la t1, label; srli t1, t1, 12; slli t1, t1, 10;             \
    ori t1, t1, flags; sd t1, 0(t0)
/* table[idx] = leaf for the physical address pa */
#define PTE_PA(table, idx, pa, flags)                           \
    la t0, table; li t2, (idx) * 8; add t0, t0, t2;             \
    li t1, ((pa) >> 12) << 10; ori t1, t1, flags; sd t1, 0(t0)

/* an access that must fault with `cause` and tval = va (address in a1) */
#define TEST_FAULT(num, cause, va, ...)                         \
    TEST_CASE(num, s11, va, li a1, va; li s11, 0; TRAPS(cause, __VA_ARGS__))

/* from M: enter S (identity-mapped code) with satp = value */
#define ENTER_S(satp_value, label)                              \
    li t0, satp_value; la t1, sv39_root; srli t1, t1, 12; or t0, t0, t1; \
    csrw satp, t0; sfence.vma; GOTO_MODE(1, 0, label)

RVTEST_CODE_BEGIN

    /* ---- build the tables (M-mode, translation off) ---- */
    PTE_LABEL(sv39_root, 1, l1_a, PTE_V)
    PTE_PA(sv39_root, 2, 0x80000000, RWAD | PTE_X)
    PTE_PA(sv39_root, 3, 0x80000000, PTE_V | PTE_R | PTE_A)
    PTE_PA(sv39_root, 4, 0x80000000, RWAD | PTE_X | PTE_U)
    PTE_PA(sv39_root, 5, 0x80200000, PTE_V | PTE_R | PTE_A)
    PTE_LABEL(l1_a, 0, l0_a, PTE_V)
    PTE_PA(l1_a, 1, 0x80200000, RWAD)
    PTE_PA(l1_a, 2, 0x80201000, PTE_V | PTE_R | PTE_A)
    PTE_LABEL(l0_a, 0, pg0, RWAD)                                  /* RW */
    PTE_LABEL(l0_a, 1, pg0, PTE_V | PTE_R | PTE_A)                 /* R */
    PTE_LABEL(l0_a, 2, pg_code, PTE_V | PTE_X | PTE_A)             /* X only */
    /* 3: invalid (zero) */
    PTE_LABEL(l0_a, 4, pg0, PTE_V | PTE_W | PTE_A | PTE_D)         /* W only: reserved */
    PTE_LABEL(l0_a, 5, pg0, RWAD | PTE_U)                          /* U RW */
    PTE_LABEL(l0_a, 6, pg1, PTE_V | PTE_R | PTE_W)                 /* A = 0 */
    PTE_LABEL(l0_a, 7, pg2, PTE_V | PTE_R | PTE_W | PTE_A)         /* D = 0 */
    PTE_LABEL(l0_a, 8, pg_code, PTE_V | PTE_R | PTE_X | PTE_A)     /* RX */
    PTE_LABEL(l0_a, 9, pg0, RWAD)                                  /* no X */
    PTE_LABEL(l0_a, 10, pg_code, PTE_V | PTE_X | PTE_U | PTE_A)    /* U X only */
    PTE_LABEL(l0_a, 11, pg_code, PTE_V | PTE_R | PTE_U | PTE_A)    /* U R, no X */
    PTE_LABEL(l0_a, 12, l0_a, PTE_V)                               /* pointer at level 0 */
    PTE_LABEL(sv48_root, 0, sv39_root, PTE_V)
    PTE_PA(sv48_root, 1, 0, RWAD)
    PTE_PA(sv48_root, 2, 0x80000000, PTE_V | PTE_R | PTE_A)
    /* known contents */
    la t0, pg0; li t1, 0x1111111111111111; sd t1, 0(t0)
    la t0, pg1; li t1, 0x2222222222222222; sd t1, 0(t0)
    la t0, pg2; li t1, 0x3333333333333333; sd t1, 0(t0)
    li t0, 0x80200000; li t1, 0x4444444444444444; sd t1, 0x120(t0)

    /* ---- 4K pages in S-mode ---- */
    TEST_CASE(101, a0, SATP_SV39,
        ENTER_S(SATP_SV39, 2f); 2: csrr a0, satp; srli a0, a0, 60; slli a0, a0, 60)
    TEST_CASE(102, a0, 0x1111111111111111, li a1, PAGE(0); ld a0, 0(a1))
    TEST_CASE(103, a0, 0x5555, li a1, PAGE(0); li a2, 0x5555; sd a2, 8(a1); ld a0, 8(a1))
    TEST_CASE(104, a0, 0x5555, li a1, PAGE(1); ld a0, 8(a1))          /* same frame, R page */
    TEST_FAULT(105, CAUSE_STORE_PF, PAGE(1) + 8, sd a2, 0(a1))        /* R only: store faults */
    TEST_FAULT(106, CAUSE_STORE_PF, PAGE(1) + 16, amoadd.d a0, a2, (a1))  /* AMO = store */
    TEST_FAULT(107, CAUSE_LOAD_PF, PAGE(2), ld a0, 0(a1))             /* X only: load faults */
    TEST_FAULT(108, CAUSE_LOAD_PF, PAGE(3) + 4, lw a0, 0(a1))         /* invalid */
    TEST_FAULT(109, CAUSE_STORE_PF, PAGE(3), sw a0, 0(a1))
    TEST_FAULT(110, CAUSE_FETCH_PF, PAGE(3), jalr ra, 0(a1))
    TEST_CASE(111, s9, PAGE(3), nop)                                  /* mepc = target */
    TEST_FAULT(112, CAUSE_LOAD_PF, PAGE(4), ld a0, 0(a1))             /* W without R: reserved */
    TEST_FAULT(113, CAUSE_STORE_PF, PAGE(4), sd a0, 0(a1))
    TEST_CASE(114, a0, 0x55, li a1, PAGE(8); jalr ra, 0(a1))          /* execute RX page */
    TEST_FAULT(115, CAUSE_FETCH_PF, PAGE(9), jalr ra, 0(a1))          /* no X */
    TEST_FAULT(116, CAUSE_LOAD_PF, PAGE(12), ld a0, 0(a1))            /* pointer at level 0 */
    /* lr on a page without R faults as a load */
    TEST_FAULT(118, CAUSE_LOAD_PF, PAGE(2) + 8, lr.d a0, (a1))

    /* ---- superpages ---- */
    TEST_CASE(201, a0, 0x4444444444444444, li a1, MEGA; ld a0, 0x120(a1))
    TEST_FAULT(202, CAUSE_LOAD_PF, MEGA_BAD + 0x10, ld a0, 0(a1))     /* misaligned megapage */
    TEST_CASE(203, a0, 0x1111111111111111,
        la a1, pg0; li a2, GIGA_RO - 0x80000000; add a1, a1, a2; ld a0, 0(a1))
    TEST_FAULT(204, CAUSE_STORE_PF, GIGA_RO + 0x3000, sd a0, 0(a1))
    TEST_FAULT(205, CAUSE_LOAD_PF, GIGA_BAD, ld a0, 0(a1))            /* misaligned gigapage */
    TEST_FAULT(206, CAUSE_FETCH_PF, GIGA_RO + 0x1000, jalr ra, 0(a1)) /* no X */

    /* ---- U bit, SUM, MXR ---- */
    /* S cannot read a U page unless SUM = 1 */
    TEST_CASE(301, s10, CAUSE_LOAD_PF,
        li a1, PAGE(5); li s10, 0; li t0, MSTATUS_SUM; csrc sstatus, t0; 2: TRAPS(CAUSE_LOAD_PF, ld a0, 0(a1)))
    TEST_CASE(302, a0, 0x1111111111111111,
        li t0, MSTATUS_SUM; csrs sstatus, t0; ld a0, 0(a1))
    TEST_CASE(303, a0, 0x77, li a2, 0x77; sb a2, 0x20(a1); lbu a0, 0x20(a1))
    /* S never executes a U page, even with SUM */
    TEST_FAULT(304, CAUSE_FETCH_PF, PAGE(10), jalr ra, 0(a1))
    TEST_CASE(305, a0, 0, li t0, MSTATUS_SUM; csrc sstatus, t0; li a0, 0)
    /* MXR: loads from X-only pages */
    TEST_CASE(306, a0, 0x05500513,                                    /* li a0, 0x55 */
        li t0, MSTATUS_MXR; csrs sstatus, t0; li a1, PAGE(2); lw a0, 0(a1))
    TEST_FAULT(307, CAUSE_STORE_PF, PAGE(2), sw a0, 0(a1))            /* MXR gives no write */
    TEST_CASE(308, a0, 0, li t0, MSTATUS_MXR; csrc sstatus, t0; li a0, 0)
    /* U-mode runs in the U alias of the image */
    TEST_CASE(309, a0, 0x1111111111111111,
        TO_M(2f); 2: li t1, U_ALIAS; la t0, 3f; add t0, t0, t1; csrw mepc, t0;
        li t0, MSTATUS_MPP; csrc mstatus, t0; mret;
        3: li a1, PAGE(5); ld a0, 0(a1))                               /* U page */
    TEST_FAULT(310, CAUSE_LOAD_PF, PAGE(0), ld a0, 0(a1))             /* S page from U */
    TEST_FAULT(311, CAUSE_FETCH_PF, PAGE(8), jalr ra, 0(a1))          /* S code from U */
    TEST_CASE(312, a0, 0x55, li a1, PAGE(10); jalr ra, 0(a1))         /* U X page */
    TEST_FAULT(313, CAUSE_LOAD_PF, PAGE(10), ld a0, 0(a1))            /* U X only, MXR = 0 */
    TEST_FAULT(314, CAUSE_FETCH_PF, PAGE(11), jalr ra, 0(a1))         /* U R, no X */
    /* MXR applies to U-mode loads too */
    TEST_CASE(315, a0, 0x05500513,
        TO_M(2f); 2: li t0, MSTATUS_MXR; csrs mstatus, t0;
        li t1, U_ALIAS; la t0, 3f; add t0, t0, t1; csrw mepc, t0;
        li t0, MSTATUS_MPP; csrc mstatus, t0; mret;
        3: li a1, PAGE(10); lw a0, 0(a1))
    TEST_CASE(316, a0, 1, TO_M(2f); 2: li t0, MSTATUS_MXR; csrc mstatus, t0; li a0, 1)
    /* SUM does not let U touch S pages (it only concerns S) */
    TEST_CASE(317, s11, PAGE(0),
        li t0, MSTATUS_SUM; csrs mstatus, t0;
        li t1, U_ALIAS; la t0, 3f; add t0, t0, t1; csrw mepc, t0;
        li t0, MSTATUS_MPP; csrc mstatus, t0; mret;
        3: li a1, PAGE(0); TRAPS(CAUSE_LOAD_PF, ld a0, 0(a1)))
    TEST_CASE(318, a0, 1, TO_M(2f); 2: li t0, MSTATUS_SUM; csrc mstatus, t0; li a0, 1)

    /* ---- A/D: fault (Svade, the Hyperscope hart) or hardware update (QEMU) ---- */
    TEST_CASE(401, a0, 1,
        ENTER_S(SATP_SV39, 2f);
        2: li a1, PAGE(6); ARM_TRAP(3f); ld a0, 0(a1); li s8, 0;
        TO_M(4f); 4: la t0, l0_a; ld t0, 6*8(t0); andi a0, t0, PTE_A; snez a0, a0; j 5f;  /* updated */
        3: li t0, CAUSE_LOAD_PF; bne s10, t0, fail; bne s11, a1, fail;
        TO_M(6f); 6: la t0, l0_a; ld t0, 6*8(t0); andi a0, t0, PTE_A; seqz a0, a0;          /* untouched */
        5: nop)
    TEST_CASE(402, a0, 0x3333333333333333,
        ENTER_S(SATP_SV39, 2f); 2: li a1, PAGE(7); ld a0, 0(a1))      /* A = 1, D = 0: loads fine */
    TEST_CASE(403, a0, 1,
        li a1, PAGE(7) + 8; li a2, 0x99; ARM_TRAP(3f); sd a2, 0(a1); li s8, 0;
        TO_M(4f); 4: la t0, l0_a; ld t0, 7*8(t0); andi a0, t0, PTE_D; snez a0, a0; j 5f; /* updated */
        3: li t0, CAUSE_STORE_PF; bne s10, t0, fail; bne s11, a1, fail;
        TO_M(6f); 6: la t0, l0_a; ld t0, 7*8(t0); andi a0, t0, PTE_D; seqz a0, a0;          /* untouched */
        la t0, pg2; ld t1, 8(t0); bnez t1, fail;                                             /* not written */
        5: nop)

    /* ---- satp WARL, sfence.vma, canonical addresses ---- */
    /* an unsupported MODE (11: Sv64, not defined) leaves satp unchanged */
    TEST_CASE(501, a0, 0,
        csrr a1, satp; li a2, (11 << 60) | 0x1234; csrw satp, a2; csrr a0, satp; sub a0, a0, a1)
    /* MODE 10 (Sv57): unchanged, or accepted if Sv57 is implemented (QEMU 7.2 has it) */
    TEST_CASE(502, a0, 1,
        csrw satp, a1; li a2, (10 << 60); csrw satp, a2; csrr a0, satp; csrw satp, a1;
        beq a0, a1, 2f; bne a0, a2, fail; 2: li a0, 1)
    /* satp writes from M take effect for S after sfence.vma: remap PAGE(0) to pg1 */
    TEST_CASE(503, a0, 0x2222222222222222,
        PTE_LABEL(l0_a, 0, pg1, RWAD); sfence.vma;
        ENTER_S(SATP_SV39, 2f); 2: li a1, PAGE(0); ld a0, 0(a1))
    /* sfence.vma with an address operand */
    TEST_CASE(504, a0, 0x1111111111111111,
        TO_M(2f); 2: PTE_LABEL(l0_a, 0, pg0, RWAD); GOTO_MODE(1, 0, 3f);
        3: li a1, PAGE(0); sfence.vma a1, zero; ld a0, 0(a1))
    /* a VA whose bits 63:39 are not all equal to bit 38 faults */
    TEST_FAULT(505, CAUSE_LOAD_PF, 0x0000008000000000, ld a0, 0(a1))
    TEST_FAULT(506, CAUSE_STORE_PF, 0xffff000080000000, sd a0, 0(a1))
    /* satp = Bare from S: identity again */
    TEST_CASE(507, a0, 0x1111111111111111,
        csrw satp, zero; sfence.vma; la a1, pg0; ld a0, 0(a1))
    TEST_CASE(508, a0, 1, TO_M(2f); 2: li a0, 1)

    /* ---- delegated page faults: taken in S with scause/stval ---- */
    TEST_CASE(601, s10, CAUSE_LOAD_PF,
        li t0, (1 << CAUSE_LOAD_PF) | (1 << CAUSE_STORE_PF) | (1 << CAUSE_FETCH_PF);
        csrw medeleg, t0; ENTER_S(SATP_SV39, 2f);
        2: li a1, PAGE(3); li s11, 0; TRAPS(CAUSE_LOAD_PF, ld a0, 0(a1)))
    TEST_CASE(602, s11, PAGE(3), nop)
    TEST_CASE(603, a0, 0, csrr a0, scause; addi a0, a0, -CAUSE_LOAD_PF)   /* really in S */
    TEST_FAULT(604, CAUSE_FETCH_PF, PAGE(9) + 0x10, jalr ra, 0(a1))
    TEST_CASE(605, s9, PAGE(9) + 0x10, nop)                  /* sepc */
    TEST_CASE(606, a0, 1, TO_M(2f); 2: csrw medeleg, zero; li a0, 1)

    /* ---- Sv48 ---- */
    TEST_CASE(701, a0, SATP_SV48,
        li t0, SATP_SV48; la t1, sv48_root; srli t1, t1, 12; or t0, t0, t1;
        csrw satp, t0; sfence.vma; GOTO_MODE(1, 0, 2f);
        2: csrr a0, satp; srli a0, a0, 60; slli a0, a0, 60)
    TEST_CASE(702, a0, 0x1111111111111111, li a1, PAGE(0); ld a0, 0(a1))   /* 4-level walk */
    TEST_CASE(703, a0, 0x4444444444444444, li a1, MEGA; ld a0, 0x120(a1))
    TEST_FAULT(704, CAUSE_STORE_PF, PAGE(1), sd a0, 0(a1))
    TEST_CASE(705, a0, 0x1111111111111111,                               /* terapage */
        la a1, pg0; li a2, TERA; add a1, a1, a2; ld a0, 0(a1))
    TEST_CASE(706, a0, 0x4444444444444444, li a1, TERA + 0x80200120; ld a0, 0(a1))
    TEST_FAULT(707, CAUSE_LOAD_PF, TERA_BAD + 0x80000000, ld a0, 0(a1)) /* misaligned terapage */
    /* bits 63:48 must equal bit 47 */
    TEST_FAULT(708, CAUSE_LOAD_PF, 0x0001000000000000, ld a0, 0(a1))
    TEST_FAULT(709, CAUSE_FETCH_PF, PAGE(3), jalr ra, 0(a1))
    TEST_CASE(710, a0, 1, TO_M(2f); 2: csrw satp, zero; sfence.vma; li a0, 1)

RVTEST_CODE_END

/* a page of position-independent code: li a0, 0x55; ret */
    .text
    .balign 4096
    .option push
    .option norvc
pg_code:
    li a0, 0x55
    ret
    .option pop

RVTEST_DATA_BEGIN
    .balign 4096
sv39_root: .skip 4096
l1_a:      .skip 4096
l0_a:      .skip 4096
sv48_root: .skip 4096
pg0:       .skip 4096
pg1:       .skip 4096
pg2:       .skip 4096
RVTEST_DATA_END
