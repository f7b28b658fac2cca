/*
 * zicsr.S - Zicsr and Zicntr (unprivileged spec, "Zicsr" and "Counters"
 * chapters; privileged spec "CSR Field Specifications" for WARL fields).
 * The guest variant touches S-level and unprivileged CSRs only.
 * Cases 1xx: csrrw/s/c and immediate forms on a scratch CSR,
 * 2xx: read-only CSRs (writes raise illegal instruction, reads do not),
 * 3xx: counters (cycle, time, instret), 4xx: S CSRs (WARL fields, views of
 * M CSRs), 5xx: M CSRs and privilege (bare only).
 */
#include "test.h"

#ifdef BARE
#define SCRATCH mscratch
#else
#define SCRATCH sscratch
#endif

/* csr instruction that must raise illegal instruction */
#define TEST_ILLEGAL(num, ...) \
    TEST_CASE(num, s10, CAUSE_ILLEGAL, li s10, -1; TRAPS(CAUSE_ILLEGAL, __VA_ARGS__))

RVTEST_CODE_BEGIN

    /* ---- read/modify/write forms, old value returned in rd ---- */
    TEST_CASE(101, a0, 0x0123456789abcdef,
        li a1, 0x0123456789abcdef; csrw SCRATCH, a1; csrr a0, SCRATCH)
    TEST_CASE(102, a0, 0x0123456789abcdef,
        li a1, 0xfedcba9876543210; csrrw a0, SCRATCH, a1)
    TEST_CASE(103, a0, 0xfedcba9876543210, csrr a0, SCRATCH)
    TEST_CASE(104, a0, 0xfedcba9876543210,
        li a1, 0x0f; csrrs a0, SCRATCH, a1)                            /* set bits */
    TEST_CASE(105, a0, 0xfedcba987654321f, csrr a0, SCRATCH)
    TEST_CASE(106, a0, 0xfedcba987654321f,
        li a1, 0xff000000000000ff; csrrc a0, SCRATCH, a1)              /* clear bits */
    TEST_CASE(107, a0, 0x00dcba9876543200, csrr a0, SCRATCH)
    TEST_CASE(108, a0, 0x00dcba9876543200, csrrwi a0, SCRATCH, 0x1f)   /* uimm zero-extended */
    TEST_CASE(109, a0, 0x1f, csrr a0, SCRATCH)
    TEST_CASE(110, a0, 0x1f, csrrci a0, SCRATCH, 0x11)
    TEST_CASE(111, a0, 0x0e, csrrsi a0, SCRATCH, 0x10)
    TEST_CASE(112, a0, 0x1e, csrr a0, SCRATCH)
    /* rs1 = x0 / uimm = 0: read without writing */
    TEST_CASE(113, a0, 0x1e, csrrs a0, SCRATCH, zero; csrrc a0, SCRATCH, zero; csrrsi a0, SCRATCH, 0)
    /* rd = rs1: the old value is read before rs1 is used */
    TEST_CASE(114, a1, 0x1e, li a1, 0x77; csrrw a1, SCRATCH, a1)
    TEST_CASE(115, a0, 0x77, csrr a0, SCRATCH)
    /* rd = x0: write only */
    TEST_CASE(116, a0, 0x5, csrwi SCRATCH, 5; csrr a0, SCRATCH)
    TEST_CASE(117, a0, 0x7, csrsi SCRATCH, 2; csrr a0, SCRATCH)
    TEST_CASE(118, a0, 0x3, csrci SCRATCH, 4; csrr a0, SCRATCH)
    TEST_CASE(119, a0, -1, li a1, -1; csrs SCRATCH, a1; csrr a0, SCRATCH)
    TEST_CASE(120, a0, 0, csrc SCRATCH, a1; csrr a0, SCRATCH)

    /* ---- read-only CSRs (csr[11:10] = 3) ---- */
    TEST_ILLEGAL(201, csrw cycle, zero)
    TEST_ILLEGAL(202, csrw time, a0)
    TEST_ILLEGAL(203, csrw instret, a0)
    TEST_ILLEGAL(204, csrrwi a0, cycle, 0)
    TEST_ILLEGAL(205, csrrci a0, instret, 1)
    TEST_ILLEGAL(206, li a0, 1; csrrs a0, cycle, a0)
    /* ...but with rs1 = x0 / uimm = 0 they only read */
    TEST_CASE(207, a0, 1, csrrs a0, cycle, zero; csrrc a0, time, zero; csrrsi a0, instret, 0; li a0, 1)

    /* ---- counters ---- */
    TEST_CASE(301, a0, 1, rdcycle a1; nop; nop; nop; rdcycle a2; sltu a0, a2, a1; xori a0, a0, 1)
    /* instret counts retired instructions: at least the 4 between the reads */
    TEST_CASE(302, a0, 1,
        rdinstret a1; nop; nop; nop; nop; rdinstret a2;
        sub a2, a2, a1; sltiu a0, a2, 5; xori a0, a0, 1)
    /* time never goes backwards, and advances while we spin */
    TEST_CASE(303, a0, 1,
        rdtime a1; li a3, 100000; 2: addi a3, a3, -1; bnez a3, 2b; rdtime a2;
        sltu a0, a1, a2)

    /* ---- S-level CSRs ---- */
    /* stvec: BASE is 4-byte aligned, MODE 0 (direct) / 1 (vectored) */
    TEST_CASE(401, a0, 0x80001001,
        csrr s1, stvec; li a1, 0x80001001; csrw stvec, a1; csrr a0, stvec)
    TEST_CASE(402, a0, 0x80001000,
        li a1, 0x80001000; csrw stvec, a1; csrr a0, stvec; csrw stvec, s1)
    /* sepc: bit 1 writable because IALIGN = 16 (C); bit 0: see case 603 */
    TEST_CASE(403, a0, 0x80001002, li a1, 0x80001002; csrw sepc, a1; csrr a0, sepc)
    /* scause and stval hold what is written (in range values) */
    TEST_CASE(404, a0, 0x8000000000000005, li a1, 0x8000000000000005; csrw scause, a1; csrr a0, scause)
    TEST_CASE(405, a0, 0x0000000000000002, csrwi scause, 2; csrr a0, scause)
    TEST_CASE(406, a0, 0x1234567890abcdef, li a1, 0x1234567890abcdef; csrw stval, a1; csrr a0, stval)
    /* sstatus.SUM and MXR are writable */
    TEST_CASE(407, a0, MSTATUS_SUM | MSTATUS_MXR,
        li a1, MSTATUS_SUM | MSTATUS_MXR; csrs sstatus, a1; csrr a0, sstatus; and a0, a0, a1)
    TEST_CASE(408, a0, 0, csrc sstatus, a1; csrr a0, sstatus; and a0, a0, a1)
    /* sstatus.UXL reads 2 (64-bit U-mode) on RV64 */
    TEST_CASE(409, a0, 2, csrr a0, sstatus; srli a0, a0, 32; andi a0, a0, 3)
    /* sstatus does not show M-mode fields (MPP, MIE, MPIE) */
    TEST_CASE(410, a0, 0, csrr a0, sstatus; li a1, MSTATUS_MPP | MSTATUS_MIE | MSTATUS_MPIE; and a0, a0, a1)
    /* satp: Bare reads back 0; an unsupported mode (Sv57 or Sv64 if absent, here 11 = Sv64
     * which nobody implements) leaves satp unchanged */
    TEST_CASE(411, a0, 0, csrw satp, zero; csrr a0, satp)
    TEST_CASE(412, a0, 0, li a1, (11 << 60) | 0x80000; csrw satp, a1; csrr a0, satp)
    /* sie: SSIE (bit 1) is writable once delegated (the SBI firmware or the
     * hypervisor delegates it; in M-mode we do it ourselves) */
#ifdef BARE
    csrwi mideleg, 2
#endif
    TEST_CASE(413, a0, 2, csrsi sie, 2; csrr a0, sie; andi a0, a0, 2; csrci sie, 2)
#ifdef BARE
    csrwi mideleg, 0
#endif
    /* scounteren is writable at least for CY/TM/IR (WARL: read back a subset) */
    TEST_CASE(414, a0, 0, csrr s1, scounteren; csrw scounteren, zero; csrr a0, scounteren; csrw scounteren, s1)

#ifdef BARE
    /* ---- M CSRs ---- */
    /* misa: MXL = 2 (RV64) and the letters I, M, A, C, S, U, H */
    TEST_CASE(501, a0, 2, csrr a0, misa; srli a0, a0, 62)
    TEST_CASE(502, a0, (1 << 0) | (1 << 2) | (1 << 7) | (1 << 8) | (1 << 12) | (1 << 18) | (1 << 20),
        csrr a0, misa; li a1, (1 << 0) | (1 << 2) | (1 << 7) | (1 << 8) | (1 << 12) | (1 << 18) | (1 << 20);
        and a0, a0, a1)
    TEST_CASE(503, a0, 0, csrr a0, mhartid)
    /* mvendorid/marchid/mimpid are readable (read-only) */
    TEST_CASE(504, a0, 1, csrr a1, mvendorid; csrr a1, marchid; csrr a1, mimpid; li a0, 1)
    TEST_ILLEGAL(505, csrw mhartid, zero)
    TEST_ILLEGAL(506, csrw mvendorid, a0)
    /* a CSR number that is not implemented (0x1ff is unallocated) */
    TEST_ILLEGAL(507, csrr a0, 0x1ff)
    /* mepc: bit 1 writable (IALIGN = 16); bit 0: see case 604 */
    TEST_CASE(508, a0, 0x80000006, li a1, 0x80000006; csrw mepc, a1; csrr a0, mepc)
    /* mtvec: direct mode holds a 4-byte aligned base */
    TEST_CASE(509, a0, 0x80000100,
        csrr s1, mtvec; li a1, 0x80000100; csrw mtvec, a1; csrr a0, mtvec; csrw mtvec, s1)
    /* sstatus is a view of mstatus */
    TEST_CASE(510, a0, MSTATUS_SUM, li a1, MSTATUS_SUM; csrs sstatus, a1; csrr a0, mstatus; and a0, a0, a1)
    TEST_CASE(511, a0, 0, csrc mstatus, a1; csrr a0, sstatus; and a0, a0, a1)
    /* mstatus.MPP is WARL: M, S and U are all legal here */
    TEST_CASE(512, a0, MSTATUS_MPP_S,
        li a1, MSTATUS_MPP; csrc mstatus, a1; li a1, MSTATUS_MPP_S; csrs mstatus, a1;
        csrr a0, mstatus; li a1, MSTATUS_MPP; and a0, a0, a1; csrc mstatus, a1)
    /* mstatus.SXL/UXL read 2 */
    TEST_CASE(513, a0, 0xa, csrr a0, mstatus; srli a0, a0, 32; andi a0, a0, 0xf)
    /* sie/sip are mie/mip restricted to the bits delegated in mideleg */
    TEST_CASE(514, a0, 0,
        csrwi mideleg, 0; li a1, 2; csrw mie, a1; csrr a0, sie; csrwi mie, 0)
    TEST_CASE(515, a0, 2,
        csrwi mideleg, 2; li a1, 2; csrw mie, a1; csrr a0, sie; csrwi mie, 0; csrwi mideleg, 0)
    /* mcycle/minstret are writable in M-mode and count from the written value */
    TEST_CASE(516, a0, 1,
        li a1, 0x100000; csrw minstret, a1; csrr a2, minstret; sub a2, a2, a1;
        li t0, 100000; sltu a0, a2, t0)    /* loose: QEMU counts host ticks */
    TEST_CASE(517, a0, 1,
        li a1, 0x100000; csrw mcycle, a1; csrr a2, mcycle; sltu a0, a2, a1; xori a0, a0, 1)
    /* cycle and instret mirror mcycle and minstret */
    TEST_CASE(518, a0, 1,
        csrr a1, minstret; rdinstret a2; sub a2, a2, a1; li t0, 100000; sltu a0, a2, t0)

    /* ---- privilege of CSR accesses ---- */
    /* from S-mode: M CSRs are illegal, S CSRs work */
    TEST_CASE(519, s10, CAUSE_ILLEGAL,
        GOTO_MODE(1, 0, 2f); 2: csrr a0, sscratch; li s10, -1; TRAPS(CAUSE_ILLEGAL, csrr a0, mscratch))
    TEST_CASE(520, s10, CAUSE_ILLEGAL, TRAPS(CAUSE_ILLEGAL, csrw mstatus, zero))
    /* counters from S-mode with mcounteren bits clear: illegal */
    TEST_CASE(521, s10, CAUSE_ILLEGAL,
        TO_M(2f); 2: csrwi mcounteren, 0; GOTO_MODE(1, 0, 3f); 3: TRAPS(CAUSE_ILLEGAL, rdcycle a0))
    TEST_CASE(522, s10, CAUSE_ILLEGAL, TRAPS(CAUSE_ILLEGAL, rdtime a0))
    TEST_CASE(523, s10, CAUSE_ILLEGAL, TRAPS(CAUSE_ILLEGAL, rdinstret a0))
    /* from U-mode: S CSRs are illegal */
    TEST_CASE(524, s10, CAUSE_ILLEGAL,
        TO_M(2f); 2: csrwi mcounteren, 7; GOTO_MODE(0, 0, 3f); 3: TRAPS(CAUSE_ILLEGAL, csrr a0, sstatus))
    /* counters from U-mode need both mcounteren and scounteren */
    TEST_CASE(525, a0, 1, rdcycle a1; rdtime a1; rdinstret a1; li a0, 1)
    TEST_CASE(526, s10, CAUSE_ILLEGAL,
        TO_M(2f); 2: csrwi scounteren, 5; GOTO_MODE(0, 0, 3f); 3: rdcycle a0; rdinstret a0;
        TRAPS(CAUSE_ILLEGAL, rdtime a0))
    TEST_CASE(527, a0, 1, TO_M(2f); 2: csrwi scounteren, 7; li a0, 1)
#endif

    /* senvcfg exists (privileged spec 1.12, S-mode present): reading it must not trap */
    TEST_CASE(601, a0, 1, csrr a1, senvcfg; li a0, 1)

    /* csrrs/csrrc with rs1 != x0 attempt a write even when the register holds 0
     * (Zicsr: "will still attempt to write the unmodified value back"), so a
     * read-only CSR raises illegal instruction. QEMU 7.2 does not trap here.
     * Cases 602.. are those where QEMU 7.2 departs from the spec: they come
     * last so that on QEMU they hide nothing else. */
    TEST_ILLEGAL(602, li a1, 0; csrrs a0, time, a1)

    /* xepc[0] is always zero (privileged spec, "Machine Exception Program Counter"):
     * QEMU 7.2 stores the bit and only ignores it on xRET. */
    TEST_CASE(603, a0, 0x80001002, li a1, 0x80001003; csrw sepc, a1; csrr a0, sepc)
#ifdef BARE
    TEST_CASE(604, a0, 0x80000006, li a1, 0x80000007; csrw mepc, a1; csrr a0, mepc)
#endif

RVTEST_CODE_END

RVTEST_DATA_BEGIN
RVTEST_DATA_END
