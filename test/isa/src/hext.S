/*
 * hext.S - the hypervisor extension seen from M and HS (privileged spec,
 * "Hypervisor Extension": hstatus, hedeleg/hideleg, hvip, VS CSRs, two-stage
 * address translation, guest-page faults, htval/htinst, HLV/HSV, HFENCE,
 * "Virtual-Instruction Exceptions"). Bare only.
 *
 * Guest-physical map (G-stage, hgatp = Sv39x4, root groot, 16 KiB):
 *   GPA 0x80000000 +1 GiB  -> HPA 0x80000000 (identity: guest code and data), RWX
 *   GPA 0x40000000         -> pgA, RW       GPA 0x40001000 -> pgA, R only
 *   GPA 0x40002000         invalid          GPA 0x40003000 -> pg_code, X only
 *   GPA 0x100000000        unmapped
 * VS-stage (vsatp = Sv39, root vsroot, in guest memory = host memory):
 *   VA 0x80000000 +1 GiB   -> GPA 0x80000000 RWX (the code keeps running)
 *   VA 0x40000000 +1 GiB   -> GPA 0x40000000 RWX
 *   VA 0xc0000000 +1 GiB   -> GPA 0x100000000 (unmapped in the G-stage)
 *   VA 0x140000000         invalid
 *   VA 0x180000000 +1 GiB  -> GPA 0x40000000 RWX, U
 * Cases 1xx: CSRs, 2xx: entering VS, S CSRs mapped to VS CSRs, 3xx: virtual
 * instruction versus illegal instruction, 4xx: hedeleg, 5xx: hideleg/hvip
 * interrupt injection, 6xx: two-stage translation and guest-page faults (htval,
 * stval, hstatus.GVA), 7xx: HLV/HSV/HLVX and HFENCE, 9xx: htinst (the
 * transformed instruction; QEMU 7.2 writes 0, which the spec also allows, so it
 * fails 901: these cases come last), 95x-96x: VTVM and satp, HS-qualified instructions from VU, vscause of a
 * delegated illegal instruction, hvip.VSTIP, HLVX on an X-only G-stage page,
 * HLV with SPVP = 0 on a non-U page (QEMU 7.2 differs).
 */
#include "test.h"
    .option arch, +h

#define PTE_V 0x01
#define PTE_R 0x02
#define PTE_W 0x04
#define PTE_X 0x08
#define PTE_U 0x10
#define PTE_A 0x40
#define PTE_D 0x80
#define RWXAD (PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)

#define HSTATUS_GVA  (1 << 6)
#define HSTATUS_SPV  (1 << 7)
#define HSTATUS_SPVP (1 << 8)
#define HSTATUS_HU   (1 << 9)
#define HSTATUS_VTVM (1 << 20)
#define HSTATUS_VTW  (1 << 21)
#define HSTATUS_VTSR (1 << 22)
#define VSSIP (1 << 2)
#define VSTIP (1 << 6)
#define VSEIP (1 << 10)
#define SATP_SV39 (8 << 60)

#define PTE_LABEL(table, idx, label, flags)                     \
    la t0, table; li t2, (idx) * 8; add t0, t0, t2;             \
    la t1, label; srli t1, t1, 12; slli t1, t1, 10;             \
    ori t1, t1, flags; sd t1, 0(t0)
#define PTE_PA(table, idx, pa, flags)                           \
    la t0, table; li t2, (idx) * 8; add t0, t0, t2;             \
    li t1, ((pa) >> 12) << 10; ori t1, t1, flags; sd t1, 0(t0)

#define MTRAP_PROLOGUE bnez s7, mtrap_vector
/* instruction that must trap to M with cause; also records mtval */
#define TRAPS_TO(cause, ...) TRAPS(cause, __VA_ARGS__)

RVTEST_CODE_BEGIN
    la t0, mtrap_record; csrw mtvec, t0
    la t0, hs_record; csrw stvec, t0
    la t0, strap_vector; csrw vstvec, t0

    /* ---- CSRs ---- */
    TEST_CASE(101, a0, 1 << 7, csrr a0, misa; andi a0, a0, 1 << 7)          /* misa.H */
    TEST_CASE(102, a0, 2, csrr a0, hstatus; srli a0, a0, 32; andi a0, a0, 3) /* VSXL = 64 */
    TEST_CASE(103, a0, HSTATUS_SPV | HSTATUS_SPVP | HSTATUS_HU | HSTATUS_VTVM | HSTATUS_VTW | HSTATUS_VTSR,
        li a1, HSTATUS_SPV | HSTATUS_SPVP | HSTATUS_HU | HSTATUS_VTVM | HSTATUS_VTW | HSTATUS_VTSR;
        csrs hstatus, a1; csrr a0, hstatus; and a0, a0, a1; csrc hstatus, a1)
    TEST_CASE(104, a0, 0, csrr a0, hstatus; li a1, HSTATUS_SPV | HSTATUS_VTSR; and a0, a0, a1)
    /* hedeleg: ecalls from HS/VS/M and the H causes 20-23 are read-only zero */
    TEST_CASE(105, a0, 0,
        li a1, -1; csrw hedeleg, a1; csrr a0, hedeleg;
        li a1, (1 << 9) | (1 << 10) | (1 << 11) | (0xf << 20); and a0, a0, a1)
    TEST_CASE(106, a0, (1 << 2) | (1 << 8) | (1 << 13),
        csrr a0, hedeleg; andi a0, a0, (1 << 2) | (1 << 8); li a1, 1 << 13; csrr a2, hedeleg;
        and a2, a2, a1; or a0, a0, a2; csrw hedeleg, zero)
    /* hideleg: VSSIP, VSTIP, VSEIP writable; the S-level bits are not */
    TEST_CASE(107, a0, VSSIP | VSTIP | VSEIP,
        li a1, -1; csrw hideleg, a1; csrr a0, hideleg; li a1, 0x666; and a0, a0, a1; csrw hideleg, zero)
    /* mideleg: the VS-level bits are read-only one */
    TEST_CASE(108, a0, VSSIP | VSTIP | VSEIP,
        csrw mideleg, zero; csrr a0, mideleg; andi a0, a0, VSSIP | VSTIP | VSEIP)
    /* hgatp: Sv39x4 mode is accepted */
    TEST_CASE(109, a0, 8,
        li a1, SATP_SV39 | 0x80000; csrw hgatp, a1; csrr a0, hgatp; srli a0, a0, 60; csrw hgatp, zero)
    /* vsstatus.UXL = 2 */
    TEST_CASE(110, a0, 2, csrr a0, vsstatus; srli a0, a0, 32; andi a0, a0, 3)
    /* hvip.VSSIP is visible in hip and mip */
    TEST_CASE(111, a0, VSSIP,
        li t0, VSSIP; csrw hvip, t0; csrr a0, mip; andi a0, a0, VSSIP; csrr a1, hip; andi a1, a1, VSSIP;
        bne a0, a1, fail; csrw hvip, zero)

    /* ---- entering VS; S CSRs are the VS CSRs when V = 1 ---- */
    TEST_CASE(201, a0, 0x2222,
        li t0, 0x1111; csrw sscratch, t0; li t0, 0x2222; csrw vsscratch, t0;
        GOTO_MODE(1, 1, 2f); 2: csrr a0, sscratch)
    TEST_CASE(202, a0, 0x3333,
        li t0, 0x3333; csrw sscratch, t0; TO_M(2f); 2: csrr a0, vsscratch;
        csrr a1, sscratch; li t0, 0x1111; bne a1, t0, fail)
    TEST_CASE(203, a0, MSTATUS_SUM,
        li t0, MSTATUS_SUM; csrs vsstatus, t0; csrc mstatus, t0;
        GOTO_MODE(1, 1, 2f); 2: csrr a0, sstatus; li t0, MSTATUS_SUM; and a0, a0, t0)
    TEST_CASE(204, a0, 0, csrr a0, stvec; la a1, strap_vector; sub a0, a0, a1)   /* vstvec */
    TEST_CASE(205, a0, 0x80000444,
        li t0, 0x80000444; csrw sepc, t0; li t0, 0x13; csrw scause, t0; li t0, 0x77; csrw stval, t0;
        TO_M(2f); 2: csrr a0, vsepc;
        csrr a1, vscause; li t0, 0x13; bne a1, t0, fail;
        csrr a1, vstval; li t0, 0x77; bne a1, t0, fail)
    TEST_CASE(206, a0, 0,                       /* satp in VS is vsatp */
        li t0, SATP_SV39 | 0x1234; csrw satp, t0; csrw vsatp, zero;
        GOTO_MODE(1, 1, 2f); 2: csrr a0, satp; TO_M(3f);
        3: csrr a1, satp; li t0, SATP_SV39 | 0x1234; bne a1, t0, fail; csrw satp, zero)
    TEST_CASE(207, a0, 0, li t0, MSTATUS_SUM; csrc vsstatus, t0; li a0, 0)
    /* ecall from VS: cause 10, mstatus.MPV = 1, MPP = S */
    TEST_CASE(208, s10, CAUSE_ECALL_VS,
        GOTO_MODE(1, 1, 2f); 2: TRAPS(CAUSE_ECALL_VS, ecall))
    TEST_CASE(209, a0, MSTATUS_MPV | MSTATUS_MPP_S,
        li t0, MSTATUS_MPV | MSTATUS_MPP; and a0, s6, t0)
    /* ecall from VU: cause 8 */
    TEST_CASE(210, s10, CAUSE_ECALL_U,
        TO_M(2f); 2: GOTO_MODE(0, 1, 3f); 3: TRAPS(CAUSE_ECALL_U, ecall))
    TEST_CASE(211, a0, MSTATUS_MPV, li t0, MSTATUS_MPV | MSTATUS_MPP; and a0, s6, t0)
    /* HS sret with hstatus.SPV = 1 enters VS */
    TEST_CASE(212, a0, 0x3333,
        TO_M(2f); 2: GOTO_MODE(1, 0, 3f);
        3: li t0, HSTATUS_SPV; csrs hstatus, t0; li t0, MSTATUS_SPP; csrs sstatus, t0;
        la t0, 4f; csrw sepc, t0; sret; 4: csrr a0, sscratch)

    /* ---- virtual instruction (22) versus illegal instruction (2), from VS ---- */
    TEST_CASE(301, s10, CAUSE_VIRTUAL, TRAPS(CAUSE_VIRTUAL, csrr a0, hstatus))
    TEST_CASE(302, s11, 0x60002573, nop)                               /* mtval = the instruction */
    TEST_CASE(303, s10, CAUSE_VIRTUAL, TRAPS(CAUSE_VIRTUAL, csrr a0, vsstatus))
    TEST_CASE(304, s10, CAUSE_VIRTUAL, TRAPS(CAUSE_VIRTUAL, hfence.vvma zero, zero))
    TEST_CASE(305, s10, CAUSE_VIRTUAL, TRAPS(CAUSE_VIRTUAL, hfence.gvma zero, zero))
    TEST_CASE(306, s10, CAUSE_VIRTUAL, la a1, pgA; TRAPS(CAUSE_VIRTUAL, hlv.d a0, (a1)))
    TEST_CASE(307, s10, CAUSE_VIRTUAL, la a1, pgA; TRAPS(CAUSE_VIRTUAL, hsv.w a0, (a1)))
    TEST_CASE(308, s10, CAUSE_ILLEGAL, TRAPS(CAUSE_ILLEGAL, csrr a0, mstatus))      /* M CSR */
    TEST_CASE(309, s10, CAUSE_ILLEGAL, TRAPS(CAUSE_ILLEGAL, csrr a0, 0x1ff))        /* no CSR */
    TEST_CASE(310, s10, CAUSE_ILLEGAL, TRAPS(CAUSE_ILLEGAL, mret))
    /* VTSR, VTW, VTVM */
    TEST_CASE(311, s10, CAUSE_VIRTUAL,
        TO_M(2f); 2: li t0, HSTATUS_VTSR; csrs hstatus, t0; GOTO_MODE(1, 1, 3f);
        3: la t0, 4f; csrw sepc, t0; TRAPS(CAUSE_VIRTUAL, sret); 4: nop)
    TEST_CASE(312, s10, CAUSE_VIRTUAL,
        TO_M(2f); 2: li t0, HSTATUS_VTSR; csrc hstatus, t0; li t0, HSTATUS_VTW; csrs hstatus, t0;
        GOTO_MODE(1, 1, 3f); 3: TRAPS(CAUSE_VIRTUAL, wfi))
    TEST_CASE(313, s10, CAUSE_VIRTUAL,
        TO_M(2f); 2: li t0, HSTATUS_VTW; csrc hstatus, t0; li t0, HSTATUS_VTVM; csrs hstatus, t0;
        GOTO_MODE(1, 1, 3f); 3: TRAPS(CAUSE_VIRTUAL, sfence.vma))
    /* mstatus.TW = 1 beats VTW: illegal */
    TEST_CASE(315, s10, CAUSE_ILLEGAL,
        TO_M(2f); 2: li t0, HSTATUS_VTVM; csrc hstatus, t0; li t0, MSTATUS_TW; csrs mstatus, t0;
        GOTO_MODE(1, 1, 3f); 3: TRAPS(CAUSE_ILLEGAL, wfi))
    /* from VU */
    TEST_CASE(316, a0, 1,
        TO_M(2f); 2: li t0, MSTATUS_TW; csrc mstatus, t0; GOTO_MODE(0, 1, 3f); 3: li a0, 1)
    TEST_CASE(318, s10, CAUSE_VIRTUAL, TRAPS(CAUSE_VIRTUAL, wfi))
    TEST_CASE(319, s10, CAUSE_VIRTUAL, TRAPS(CAUSE_VIRTUAL, csrr a0, hstatus))
    TEST_CASE(321, s10, CAUSE_VIRTUAL, la a1, pgA; TRAPS(CAUSE_VIRTUAL, hlv.b a0, (a1)))
    TEST_CASE(322, s10, CAUSE_ILLEGAL, TRAPS(CAUSE_ILLEGAL, csrr a0, mscratch))

    /* ---- hedeleg: exceptions from VS/VU taken in VS ---- */
    TEST_CASE(401, s10, CAUSE_ECALL_U,
        TO_M(2f); 2: li t0, (1 << CAUSE_ECALL_U) | (1 << CAUSE_ILLEGAL); csrw medeleg, t0;
        csrw hedeleg, t0; li t0, 0x55; csrw scause, t0; csrw vscause, zero;
        GOTO_MODE(0, 1, 3f); 3: la a1, 4f; ARM_TRAP(5f); 4: ecall; j fail; 5: nop)
    TEST_CASE(402, s9, 0, sub s9, s9, a1)                               /* vsepc */
    TEST_CASE(403, a0, CAUSE_ECALL_U, TO_M(2f); 2: csrr a0, vscause; csrr a1, scause;
        li t0, 0x55; bne a1, t0, fail)                                  /* HS untouched */
    TEST_CASE(405, a0, 0, TO_M(2f); 2: csrr a0, scause; addi a0, a0, -0x55)
    /* medeleg without hedeleg: from VS to HS, hstatus.SPV = 1, sstatus.SPP = 1 */
    TEST_CASE(406, s10, CAUSE_ILLEGAL,
        li t0, 1 << CAUSE_ILLEGAL; csrc hedeleg, t0; li s6, 0;
        GOTO_MODE(1, 1, 2f); 2: ARM_TRAP(3f); hext_406: csrr a0, 0x1ff; j fail; 3: nop)
    TEST_CASE(407, a0, HSTATUS_SPV, li t0, HSTATUS_SPV; and a0, s6, t0)   /* hstatus at the trap */
    TEST_CASE(408, s9, 0, la a1, hext_406; sub s9, s9, a1)             /* sepc: the csrr */
    TEST_CASE(409, a0, 1, TO_M(2f); 2: csrw medeleg, zero; csrw hedeleg, zero; li a0, 1)

    /* ---- hideleg + hvip: injected interrupts seen by the guest as SSI/STI/SEI ---- */
    TEST_CASE(501, a0, 2,                                               /* sip.SSIP in VS */
        li t0, 0x222; csrs mideleg, t0;           /* S-level to HS too, as SBI firmware does */
        li t0, 1 << 63; csrc menvcfg, t0; csrc henvcfg, t0;   /* STCE = 0: hvip.VSTIP drives VSTIP */
        la t0, vs_irq; csrw vstvec, t0; li t0, VSSIP | VSTIP | VSEIP; csrw hideleg, t0;
        li t0, VSSIP; csrw hvip, t0; csrw vsie, zero; GOTO_MODE(1, 1, 2f);
        2: csrci sstatus, MSTATUS_SIE; csrr a0, sip; andi a0, a0, 2)
    TEST_CASE(502, s10, IRQ(1),
        li s5, 0; li s10, 0; csrsi sie, 2; csrsi sstatus, MSTATUS_SIE; nop; nop;
        csrci sstatus, MSTATUS_SIE; li t0, 1; bne s5, t0, fail)
    TEST_CASE(503, a0, 0, TO_M(2f); 2: csrr a0, hvip; andi a0, a0, VSSIP)   /* guest cleared it */
    TEST_CASE(505, s10, IRQ(9),
        TO_M(2f); 2: li t0, VSEIP; csrw hvip, t0; GOTO_MODE(1, 1, 3f);
        3: li s5, 0; li s10, 0; li t0, 0x200; csrs sie, t0; csrsi sstatus, MSTATUS_SIE; nop; nop;
        csrci sstatus, MSTATUS_SIE)
    /* not delegated by hideleg: VSSI goes to HS (cause 2), enabled whenever V = 1 */
    TEST_CASE(506, s10, IRQ(2),
        TO_M(2f); 2: csrw hvip, zero; csrw hideleg, zero; la t0, hs_irq; csrw stvec, t0;
        li t0, VSSIP; csrw hie, t0; csrw hvip, t0; li s5, 0; li s10, 0; GOTO_MODE(1, 1, 3f);
        3: nop; nop; nop; li t0, 2; bne s5, t0, fail)
    TEST_CASE(507, a0, 0,
        TO_M(2f); 2: csrw hie, zero; csrw mideleg, zero; csrr a0, hvip; la t0, hs_record; csrw stvec, t0;
        la t0, strap_vector; csrw vstvec, t0)

    /* ---- two-stage translation ---- */
    /* G-stage tables: leaves need U = 1 (guest accesses count as U for the G-stage) */
    PTE_PA(groot, 2, 0x80000000, RWXAD | PTE_U)
    PTE_LABEL(groot, 1, l1g, PTE_V)
    PTE_LABEL(l1g, 0, l0g, PTE_V)
    PTE_LABEL(l0g, 0, pgA, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D | PTE_U)
    PTE_LABEL(l0g, 1, pgA, PTE_V | PTE_R | PTE_A | PTE_U)
    PTE_LABEL(l0g, 3, pg_code, PTE_V | PTE_X | PTE_A | PTE_U)
    /* VS-stage tables, at guest-physical = host-physical addresses */
    PTE_PA(vsroot, 2, 0x80000000, RWXAD)
    PTE_PA(vsroot, 1, 0x40000000, RWXAD)
    PTE_PA(vsroot, 3, 0x100000000, RWXAD)
    PTE_PA(vsroot, 6, 0x40000000, RWXAD | PTE_U)
    la t0, pgA; li t1, 0xaaaaaaaaaaaaaaaa; sd t1, 0(t0)
    la t0, pgB; li t1, 0xbbbbbbbbbbbbbbbb; sd t1, 0(t0)
    la t0, pgC; li t1, 0xcccccccccccccccc; sd t1, 0(t0)

    TEST_CASE(601, a0, 0xaaaaaaaaaaaaaaaa,
        li t0, SATP_SV39; la t1, groot; srli t1, t1, 12; or t0, t0, t1; csrw hgatp, t0;
        csrw vsatp, zero; hfence.gvma zero, zero; GOTO_MODE(1, 1, 2f);
        2: li a1, 0x40000000; ld a0, 0(a1))
    TEST_CASE(602, a0, 0x5a5a, li a1, 0x40000000; li a2, 0x5a5a; sd a2, 8(a1); li a3, 0x40001008; ld a0, 0(a3))
    /* G-stage store fault, taken in M: mtval = GVA, mtval2 = GPA >> 2, GVA = 1, MPV = 1 */
    TEST_CASE(603, s10, CAUSE_STORE_GPF,
        li a1, 0x40001010; TRAPS(CAUSE_STORE_GPF, sd a2, 0(a1)))
    TEST_CASE(604, s11, 0x40001010, nop)
    TEST_CASE(605, a0, MSTATUS_GVA | MSTATUS_MPV,
        li t0, MSTATUS_GVA | MSTATUS_MPV; and a0, s6, t0)
    TEST_CASE(606, s5, 0x40001010 >> 2, nop)                           /* mtval2 */
    /* guest-page faults delegated to HS: scause, stval = GVA, htval = GPA >> 2, hstatus.GVA */
    TEST_CASE(607, s10, CAUSE_LOAD_GPF,
        TO_M(2f); 2: li t0, (1 << CAUSE_FETCH_GPF) | (1 << CAUSE_LOAD_GPF) | (1 << CAUSE_STORE_GPF);
        csrw medeleg, t0; GOTO_MODE(1, 1, 3f);
        3: li a1, 0x40002010; TRAPS(CAUSE_LOAD_GPF, ld a0, 0(a1)))
    TEST_CASE(608, s11, 0x40002010, nop)
    TEST_CASE(609, s5, 0x40002010 >> 2, nop)                           /* htval */
    TEST_CASE(610, a0, HSTATUS_GVA | HSTATUS_SPV, li t0, HSTATUS_GVA | HSTATUS_SPV; and a0, s6, t0)
    TEST_CASE(611, s10, CAUSE_STORE_GPF, li a1, 0x40001008; TRAPS(CAUSE_STORE_GPF, sw a0, 0(a1)))
    TEST_CASE(612, s5, 0x40001008 >> 2, nop)
    TEST_CASE(613, s10, CAUSE_FETCH_GPF, li a1, 0x40002000; TRAPS(CAUSE_FETCH_GPF, jalr ra, 0(a1)))
    TEST_CASE(614, s11, 0x40002000, nop)
    TEST_CASE(615, s5, 0x40002000 >> 2, nop)
    TEST_CASE(616, s4, 0, nop)                              /* htinst = 0 for fetch faults */
    /* the G-stage X-only page: fetch works */
    TEST_CASE(617, a0, 0x55, li a1, 0x40003000; jalr ra, 0(a1))
    /* VS-stage on: both stages */
    TEST_CASE(618, a0, 0xaaaaaaaaaaaaaaaa,
        li t0, SATP_SV39; la t1, vsroot; srli t1, t1, 12; or t0, t0, t1; csrw satp, t0;
        sfence.vma; li a1, 0x40000000; ld a0, 0(a1))
    TEST_CASE(619, a0, 0xaaaaaaaaaaaaaaaa, li t0, MSTATUS_SUM; csrs sstatus, t0;
        li a1, 0x180000000; ld a0, 0(a1); csrc sstatus, t0)              /* U page: SUM */
    /* VS-stage maps to an unmapped GPA: guest-page fault, stval = GVA, htval = GPA >> 2 */
    TEST_CASE(620, s10, CAUSE_LOAD_GPF, li a1, 0xc0000010; TRAPS(CAUSE_LOAD_GPF, ld a0, 0(a1)))
    TEST_CASE(621, s11, 0xc0000010, nop)
    TEST_CASE(622, s5, 0x100000010 >> 2, nop)
    /* VS-stage fault: an ordinary page fault (13), taken in M here */
    TEST_CASE(623, s10, CAUSE_LOAD_PF, li a1, 0x140000000; TRAPS(CAUSE_LOAD_PF, ld a0, 0(a1)))
    TEST_CASE(624, s11, 0x140000000, nop)

    /* ---- HLV/HSV/HLVX from HS, HFENCE ---- */
    TEST_CASE(701, a0, 0xaaaaaaaaaaaaaaaa,
        TO_M(2f); 2: li t0, HSTATUS_SPVP; csrs hstatus, t0; GOTO_MODE(1, 0, 3f);
        3: li a1, 0x40000000; hlv.d a0, (a1))
    TEST_CASE(702, a0, 0x0000000012345678,
        li a1, 0x40000010; li a2, 0x12345678; hsv.w a2, (a1); hlv.wu a0, (a1))
    TEST_CASE(703, a0, 0xffffffffffffffaa, li t0, 0xaa; hsv.b t0, (a1); hlv.b a0, (a1))
    TEST_CASE(704, a0, 0xffffffffffff56aa,
        addi a2, a1, 2; li t0, -1; hsv.h t0, (a2); hlv.hu a0, (a1); li t0, 0x56aa; bne a0, t0, fail;
        hlv.w a0, (a1))
    /* HLV on the X-only G-stage page: load guest-page fault, taken in HS from V = 0
     * (HLVX on it: cases 963-964) */
    TEST_CASE(707, s10, CAUSE_LOAD_GPF, li a1, 0x40003000; TRAPS(CAUSE_LOAD_GPF, hlv.w a0, (a1)))
    TEST_CASE(708, a0, HSTATUS_GVA, li t0, HSTATUS_GVA | HSTATUS_SPV; and a0, s6, t0)
    TEST_CASE(709, s11, 0x40003000, nop)
    /* SPVP = 0: accesses as VU, so a non-U VS page faults and a U page works */
    TEST_CASE(710, a0, 0, li t0, HSTATUS_SPVP; csrc hstatus, t0; li a0, 0)   /* (fault: case 966) */
    TEST_CASE(711, a0, 0xaaaaaaaaaaaaaaaa, li a1, 0x180000000; hlv.d a0, (a1))
    /* HFENCE.GVMA after a G-stage change: GPA 0x40000000 -> pgB */
    TEST_CASE(712, a0, 0xbbbbbbbbbbbbbbbb,
        li t0, HSTATUS_SPVP; csrs hstatus, t0;
        PTE_LABEL(l0g, 0, pgB, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D | PTE_U);
        hfence.gvma zero, zero; li a1, 0x40000000; hlv.d a0, (a1))
    /* HFENCE.VVMA after a VS-stage change: VA 0x40000000 -> GPA 0x80000000 */
    TEST_CASE(713, a0, 0xcccccccccccccccc,
        PTE_PA(vsroot, 1, 0x80000000, RWXAD); hfence.vvma zero, zero;
        la a1, pgC; li t0, 0x40000000; add a1, a1, t0; li t0, 0x80000000; sub a1, a1, t0;
        hlv.d a0, (a1))
    /* HLV from U-mode: illegal unless hstatus.HU = 1 */
    TEST_CASE(714, s10, CAUSE_ILLEGAL,
        TO_M(2f); 2: li t0, HSTATUS_HU; csrc hstatus, t0; GOTO_MODE(0, 0, 3f);
        3: li a1, 0x180000000; TRAPS(CAUSE_ILLEGAL, hlv.d a0, (a1)))
    TEST_CASE(715, a0, 0xcccccccccccccccc,
        TO_M(2f); 2: li t0, HSTATUS_HU; csrs hstatus, t0; GOTO_MODE(0, 0, 3f);
        3: la a1, pgC; li t0, 0x40000000; add a1, a1, t0; li t0, 0x80000000; sub a1, a1, t0;
        hlv.d a0, (a1))
    TEST_CASE(716, a0, 1,
        TO_M(2f); 2: li t0, HSTATUS_HU; csrc hstatus, t0;
        PTE_LABEL(l0g, 0, pgA, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D | PTE_U);
        PTE_PA(vsroot, 1, 0x40000000, RWXAD); hfence.gvma zero, zero; hfence.vvma zero, zero; li a0, 1)

    /* ---- htinst: the transformed instruction (H spec, "Transformed Instruction
     * or Pseudoinstruction for mtinst or htinst"): loads and stores keep opcode,
     * funct3, rd / rs2, with the immediate and rs1 (the address offset, 0 here)
     * cleared; a compressed instruction becomes its 32-bit form with bit 1 clear.
     * A VS-stage PTE read that faults in the G-stage gives the pseudoinstruction
     * 0x00003000 (64-bit read). ---- */
    TEST_CASE(901, s4, 0x00003503,                                      /* ld a0, 8(t1) */
        GOTO_MODE(1, 1, 2f); 2: csrw satp, zero; sfence.vma;
        li t1, 0x40002000; TRAPS(CAUSE_LOAD_GPF, ld a0, 8(t1)))      /* t1: not compressible */
    TEST_CASE(902, s4, 0x00c03023,                                      /* sd a2, 16(t1) */
        li t1, 0x40001000; TRAPS(CAUSE_STORE_GPF, sd a2, 16(t1)))
    TEST_CASE(903, s4, 0x00002501,                                      /* c.lw a0, 4(a1) */
        li a1, 0x40002000; TRAPS(CAUSE_LOAD_GPF, c.lw a0, 4(a1)))
    TEST_CASE(904, s4, 0x00c03021,                                      /* c.sd a2, 8(a1) */
        li a1, 0x40001000; TRAPS(CAUSE_STORE_GPF, c.sd a2, 8(a1)))
    TEST_CASE(905, s4, 0x00004783,                                      /* lbu a5, -1(a1) */
        li a1, 0x40002001; TRAPS(CAUSE_LOAD_GPF, lbu a5, -1(a1)))
    /* the VS root table at an unmapped GPA: the implicit PTE read of an HLV faults */
    TEST_CASE(906, s4, 0x00003000,
        TO_M(2f); 2: li t0, SATP_SV39 | (0x40002000 >> 12); csrw vsatp, t0; hfence.vvma zero, zero;
        GOTO_MODE(1, 0, 3f); 3: li a1, 0x40000000; TRAPS(CAUSE_LOAD_GPF, hlv.d a0, (a1)))
    TEST_CASE(907, s5, (0x40002000 + 1 * 8) >> 2, nop)                  /* htval: the PTE */
    TEST_CASE(908, s11, 0x40000000, nop)                                /* stval: the GVA */
    TEST_CASE(909, a0, 1, TO_M(2f); 2: csrw vsatp, zero; csrw medeleg, zero; csrw hgatp, zero; li a0, 1)

    /* ---- VTVM also covers satp accesses from VS ("an attempt in VS-mode to execute
     * SFENCE.VMA or to access CSR satp raises a virtual instruction exception");
     * QEMU 7.2 lets the access through. ---- */
    TEST_CASE(951, s10, CAUSE_VIRTUAL,
        li t0, HSTATUS_VTVM; csrs hstatus, t0; GOTO_MODE(1, 1, 2f);
        2: TRAPS(CAUSE_VIRTUAL, csrr a0, satp))
    TEST_CASE(952, a0, 1, TO_M(2f); 2: li t0, HSTATUS_VTVM; csrc hstatus, t0; li a0, 1)
    /* an S CSR from VU-mode: virtual instruction (the access is allowed in
     * HS-mode); QEMU 7.2 raises illegal instruction */
    TEST_CASE(953, s10, CAUSE_VIRTUAL,
        GOTO_MODE(0, 1, 2f); 2: TRAPS(CAUSE_VIRTUAL, csrr a0, sstatus))
    /* the same for the other HS-qualified instructions from VU (QEMU 7.2: illegal) */
    TEST_CASE(955, s10, CAUSE_VIRTUAL, TRAPS(CAUSE_VIRTUAL, sret))
    TEST_CASE(956, s10, CAUSE_VIRTUAL, TRAPS(CAUSE_VIRTUAL, hfence.vvma zero, zero))
    TEST_CASE(957, s10, CAUSE_VIRTUAL, TRAPS(CAUSE_VIRTUAL, sfence.vma))
    TEST_CASE(958, a0, 1, TO_M(2f); 2: li a0, 1)
    /* an illegal instruction delegated to VS: vscause = 2, vstval = the instruction
     * (QEMU 7.2 reports vscause 1: it treats exception cause 2 like the VSSI
     * interrupt number when delegating to VS) */
    TEST_CASE(959, s10, CAUSE_ILLEGAL,
        li t0, 1 << CAUSE_ILLEGAL; csrw medeleg, t0; csrw hedeleg, t0;
        GOTO_MODE(1, 1, 2f); 2: li s10, 0; ARM_TRAP(3f); csrr a0, 0x1ff; j fail; 3: nop)
    TEST_CASE(960, s11, 0x1ff02573, nop)
    TEST_CASE(961, a0, 1, TO_M(2f); 2: csrw medeleg, zero; csrw hedeleg, zero; li a0, 1)
    /* hvip.VSTIP injected: the guest sees STIP, cause 5 (QEMU 7.2 shows it in hip
     * but not in vsip/sip) */
    TEST_CASE(962, s10, IRQ(5),
        li t0, 0x222; csrs mideleg, t0; la t0, vs_irq; csrw vstvec, t0;
        li t0, VSSIP | VSTIP | VSEIP; csrw hideleg, t0; li t0, VSTIP; csrw hvip, t0; GOTO_MODE(1, 1, 2f);
        2: li s5, 0; li s10, 0; csrr a0, sip; andi a0, a0, 0x20; beqz a0, fail;
        li t0, 0x20; csrs sie, t0; csrsi sstatus, MSTATUS_SIE; nop; nop;
        csrci sstatus, MSTATUS_SIE)
    TEST_CASE(954, a0, 1, TO_M(2f); 2: li a0, 1)
    /* HLVX needs execute permission instead of read permission in both stages:
     * GPA 0x40003000 is X-only in the G-stage (QEMU 7.2 asks the G-stage for R) */
    TEST_CASE(963, a0, 0x05500513,
        li t0, HSTATUS_SPVP; csrs hstatus, t0; li t0, 1 << CAUSE_LOAD_GPF; csrw medeleg, t0;
        li t0, SATP_SV39; la t1, vsroot; srli t1, t1, 12; or t0, t0, t1; csrw vsatp, t0;
        li t0, SATP_SV39; la t1, groot; srli t1, t1, 12; or t0, t0, t1; csrw hgatp, t0;
        hfence.gvma zero, zero; GOTO_MODE(1, 0, 2f);
        2: li a1, 0x40003000; hlvx.wu a0, (a1))
    TEST_CASE(964, a0, 0x0513, hlvx.hu a0, (a1))
    /* SPVP = 0: HLV accesses as VU, so a non-U VS-stage page faults (13, taken in M);
     * QEMU 7.2 lets the access through */
    TEST_CASE(966, s10, CAUSE_LOAD_PF,
        li t0, HSTATUS_SPVP; csrc hstatus, t0; li a1, 0x40000000; TRAPS(CAUSE_LOAD_PF, hlv.d a0, (a1)))
    TEST_CASE(965, a0, 1, TO_M(2f); 2: csrw medeleg, zero; csrw hgatp, zero; csrw vsatp, zero; li a0, 1)

RVTEST_CODE_END

/* ------------------------------------------------------------------ */
    .text
    .balign 4
    .option push
    .option norvc
mtrap_record:                   /* M: also records mstatus in s6, mtval2 in s5 */
    MTRAP_PROLOGUE
    beqz s8, mtrap_vector
    csrr s6, mstatus
    csrr s5, mtval2
    j mtrap_vector
hs_record:                      /* HS: also hstatus -> s6, htval -> s5, htinst -> s4 */
    beqz s8, strap_vector
    bnez s7, strap_vector
    csrr s6, hstatus
    csrr s5, htval
    csrr s4, htinst
    j strap_vector
vs_irq:                         /* VS: interrupts -> s10 = scause, s5 = 1 */
    csrr s10, scause
    bgez s10, strap_vector
    li s5, 1
    csrw sie, zero
    csrci sip, 2
    sret
hs_irq:                         /* HS: VSSI not delegated -> s10, s5 = 2 */
    csrr s10, scause
    bgez s10, hs_record
    li s5, 2
    csrw hvip, zero
    sret

    .balign 4096
pg_code:                        /* li a0, 0x55; ret */
    li a0, 0x55
    ret
    .option pop

RVTEST_DATA_BEGIN
    .balign 16384
groot:  .skip 16384
l1g:    .skip 4096
l0g:    .skip 4096
vsroot: .skip 4096
pgA:    .skip 4096
pgB:    .skip 4096
pgC:    .skip 4096
RVTEST_DATA_END
