/*
 * fpu.S - F and D extensions (unprivileged spec, "F" Standard Extension for Single-
 * Precision Floating-Point and "D" Standard Extension for Double-Precision; privileged
 * spec, mstatus.FS/SD). Every result is read back with fmv.x.d, so single results are
 * also checked for NaN-boxing (upper 32 bits all ones); fflags is cleared before and
 * checked after each arithmetic case (NX 1, UF 2, OF 4, DZ 8, NV 16).
 * Cases 1xx: FS (Off -> illegal instruction with xtval = the instruction, Initial /
 * Clean / Dirty, SD), 2xx: fcsr/frm/fflags, static and dynamic rounding modes, invalid
 * rm -> illegal instruction, 3xx-5xx: arithmetic in each rounding mode (ties, overflow,
 * tininess after rounding, subnormals, signed zeros, NaNs), fused multiply-add with a
 * single rounding, conversions with saturation, 6xx: NaN-boxing and moves, 7xx:
 * fmin/fmax, compares, fclass, 8xx: loads and stores (and their compressed forms).
 */
#include "test.h"

    .option arch, +f, +d
    .option rvc

#define FS_MASK    (3 << 13)
#define FS_INITIAL (1 << 13)
#define FS_CLEAN   (2 << 13)
#define FS_DIRTY   (3 << 13)
#ifdef BARE
#define STATUS mstatus
#else
#define STATUS sstatus
#endif

/* a0 = bits of `inst f3, f1, f2, rm` (doubles), a1 = fflags */
#define TEST_FD2(num, inst, rm, expect, flags, va, vb)                       \
    TEST_CASE(num, a0, expect, li t0, va; fmv.d.x f1, t0; li t0, vb;         \
        fmv.d.x f2, t0; csrwi fflags, 0; inst f3, f1, f2, rm; fmv.x.d a0, f3; \
        csrr a1, fflags)                                                     \
    CHECK(a1, flags)
/* the same for singles (operands NaN-boxed by fmv.w.x) */
#define TEST_FS2(num, inst, rm, expect, flags, va, vb)                       \
    TEST_CASE(num, a0, expect, li t0, va; fmv.w.x f1, t0; li t0, vb;         \
        fmv.w.x f2, t0; csrwi fflags, 0; inst f3, f1, f2, rm; fmv.x.d a0, f3; \
        csrr a1, fflags)                                                     \
    CHECK(a1, flags)
#define TEST_FD1(num, inst, rm, expect, flags, va)                           \
    TEST_CASE(num, a0, expect, li t0, va; fmv.d.x f1, t0; csrwi fflags, 0;   \
        inst f3, f1, rm; fmv.x.d a0, f3; csrr a1, fflags)                    \
    CHECK(a1, flags)
#define TEST_FS1(num, inst, rm, expect, flags, va)                           \
    TEST_CASE(num, a0, expect, li t0, va; fmv.w.x f1, t0; csrwi fflags, 0;   \
        inst f3, f1, rm; fmv.x.d a0, f3; csrr a1, fflags)                    \
    CHECK(a1, flags)
#define TEST_FD3(num, inst, rm, expect, flags, va, vb, vc)                   \
    TEST_CASE(num, a0, expect, li t0, va; fmv.d.x f1, t0; li t0, vb;         \
        fmv.d.x f2, t0; li t0, vc; fmv.d.x f3, t0; csrwi fflags, 0;          \
        inst f4, f1, f2, f3, rm; fmv.x.d a0, f4; csrr a1, fflags)            \
    CHECK(a1, flags)
#define TEST_FS3(num, inst, rm, expect, flags, va, vb, vc)                   \
    TEST_CASE(num, a0, expect, li t0, va; fmv.w.x f1, t0; li t0, vb;         \
        fmv.w.x f2, t0; li t0, vc; fmv.w.x f3, t0; csrwi fflags, 0;          \
        inst f4, f1, f2, f3, rm; fmv.x.d a0, f4; csrr a1, fflags)            \
    CHECK(a1, flags)
/* a0 = integer result of `inst a0, f1, rm`; mv loads f1 (fmv.w.x or fmv.d.x) */
#define TEST_F2X(num, inst, rm, expect, flags, mv, va)                       \
    TEST_CASE(num, a0, expect, li t0, va; mv f1, t0; csrwi fflags, 0;        \
        inst a0, f1, rm; csrr a1, fflags)                                    \
    CHECK(a1, flags)
/* a0 = bits of `inst f3, t0, rm` (integer to floating point) */
#define TEST_X2F(num, inst, rm, expect, flags, va)                           \
    TEST_CASE(num, a0, expect, li t0, va; csrwi fflags, 0;                   \
        inst f3, t0, rm; fmv.x.d a0, f3; csrr a1, fflags)                    \
    CHECK(a1, flags)
/* the same for the exact conversions fcvt.d.w[u] (GAS takes no rm for them) */
#define TEST_X2F0(num, inst, expect, flags, va)                              \
    TEST_CASE(num, a0, expect, li t0, va; csrwi fflags, 0;                   \
        inst f3, t0; fmv.x.d a0, f3; csrr a1, fflags)                        \
    CHECK(a1, flags)
/* a0 = bits of `inst f3, f1, rm` (format conversion) */
#define TEST_F2F(num, inst, rm, expect, flags, mv, va)                       \
    TEST_CASE(num, a0, expect, li t0, va; mv f1, t0; csrwi fflags, 0;        \
        inst f3, f1, rm; fmv.x.d a0, f3; csrr a1, fflags)                    \
    CHECK(a1, flags)
/* a0 = bits of `inst f3, f1, f2` (no rounding mode: sign injection, min/max) */
#define TEST_FR(num, inst, expect, flags, mv, va, vb)                        \
    TEST_CASE(num, a0, expect, li t0, va; mv f1, t0; li t0, vb; mv f2, t0;   \
        csrwi fflags, 0; inst f3, f1, f2; fmv.x.d a0, f3; csrr a1, fflags)   \
    CHECK(a1, flags)
/* a0 = `inst a0, f1, f2` (compares) */
#define TEST_FCMP(num, inst, expect, flags, mv, va, vb)                      \
    TEST_CASE(num, a0, expect, li t0, va; mv f1, t0; li t0, vb; mv f2, t0;   \
        csrwi fflags, 0; inst a0, f1, f2; csrr a1, fflags)                   \
    CHECK(a1, flags)
/* a0 = fclass of va */
#define TEST_FCLASS(num, inst, expect, mv, va)                               \
    TEST_CASE(num, a0, expect, li t0, va; mv f1, t0; inst a0, f1)
/* fields of the status register */
#define READ_FS(reg) csrr reg, STATUS; srli reg, reg, 13; andi reg, reg, 3
#define SET_FS(state) li t0, FS_MASK; csrc STATUS, t0; li t0, state; csrs STATUS, t0

RVTEST_CODE_BEGIN

    /* ---- 1xx: FS ---- */
    TEST_CASE(101, s11, 0x023170d3, SET_FS(0);
        TRAPS(CAUSE_ILLEGAL, fadd.d f1, f2, f3))
    TEST_CASE(102, s10, CAUSE_ILLEGAL, TRAPS(CAUSE_ILLEGAL, csrr a0, fflags))
    TEST_CASE(103, s10, CAUSE_ILLEGAL, TRAPS(CAUSE_ILLEGAL, csrwi frm, 1))
    TEST_CASE(104, s10, CAUSE_ILLEGAL, TRAPS(CAUSE_ILLEGAL, fld f1, 0(sp)))
    TEST_CASE(105, s10, CAUSE_ILLEGAL, TRAPS(CAUSE_ILLEGAL, fmv.d.x f1, zero))
    TEST_CASE(106, s11, 0x2402, TRAPS(CAUSE_ILLEGAL, c.fldsp f8, 0(sp)))
    TEST_CASE(107, a0, 1, SET_FS(FS_INITIAL); READ_FS(a0))
    TEST_CASE(108, a0, 0, csrr a0, STATUS; srli a0, a0, 63)
    TEST_CASE(109, a0, 3, fadd.d f1, f2, f3; READ_FS(a0))
    TEST_CASE(110, a0, 1, csrr a0, STATUS; srli a0, a0, 63)
    /* stores, moves to x, reading fcsr leave Clean alone */
    TEST_CASE(111, a0, 2, SET_FS(FS_CLEAN); fsd f1, 0(sp); fmv.x.d a1, f1; fmv.x.w a1, f1;
        csrr a1, fcsr; READ_FS(a0))
    TEST_CASE(112, a0, 0, csrr a0, STATUS; srli a0, a0, 63)
    TEST_CASE(113, a0, 3, fld f2, 0(sp); READ_FS(a0))
    TEST_CASE(114, a0, 3, SET_FS(FS_CLEAN); csrwi fflags, 0; READ_FS(a0))
    TEST_CASE(115, a0, 3, SET_FS(FS_CLEAN); fmv.w.x f5, zero; READ_FS(a0))

    /* ---- 2xx: fcsr ---- */
    TEST_CASE(201, a0, 0xff, li t0, 0xff; csrw fcsr, t0; csrr a0, fcsr)
    TEST_CASE(202, a0, 7, csrr a0, frm)
    TEST_CASE(203, a0, 0x1f, csrr a0, fflags)
    TEST_CASE(204, a0, 0xff, li t0, -1; csrw fcsr, t0; csrr a0, fcsr)
    TEST_CASE(205, a0, 0x1f, li t0, -1; csrw fflags, t0; csrr a0, fflags)
    TEST_CASE(206, a0, 0x67, csrwi fcsr, 0; csrwi frm, 3; csrwi fflags, 7; csrr a0, fcsr)
    TEST_CASE(207, a0, 3, csrrwi a0, frm, 2)
    TEST_CASE(208, a0, 7, csrrci a0, fflags, 5)
    TEST_CASE(209, a0, 0x42, csrr a0, fcsr)
    /* dynamic rounding: 1 + 2^-53 */
    TEST_CASE(210, a0, 0x3ff0000000000001, csrwi frm, 3; li t0, 0x3ff0000000000000;
        fmv.d.x f1, t0; li t0, 0x3ca0000000000000; fmv.d.x f2, t0; fadd.d f3, f1, f2, dyn;
        fmv.x.d a0, f3)
    TEST_CASE(211, a0, 0x3ff0000000000000, csrwi frm, 2; fadd.d f3, f1, f2, dyn; fmv.x.d a0, f3)
    TEST_CASE(212, a0, 0x3ff0000000000001, csrwi frm, 4; fadd.d f3, f1, f2; fmv.x.d a0, f3)
    TEST_CASE(213, a0, 0x3ff0000000000000, csrwi frm, 3; fadd.d f3, f1, f2, rne; fmv.x.d a0, f3)
    /* rm = 5, 6 and DYN with frm = 5, 6, 7 are reserved: illegal instruction */
    TEST_CASE(214, s10, CAUSE_ILLEGAL, TRAPS(CAUSE_ILLEGAL, .insn r 0x53, 5, 1, f3, f1, f2))
    TEST_CASE(215, s11, 0x0220e1d3, TRAPS(CAUSE_ILLEGAL, .insn r 0x53, 6, 1, f3, f1, f2))
    TEST_CASE(216, s10, CAUSE_ILLEGAL, csrwi frm, 5; TRAPS(CAUSE_ILLEGAL, fadd.d f3, f1, f2, dyn))
    TEST_CASE(217, s10, CAUSE_ILLEGAL, csrwi frm, 6; TRAPS(CAUSE_ILLEGAL, fsqrt.s f3, f1, dyn))
    TEST_CASE(218, s10, CAUSE_ILLEGAL, csrwi frm, 7; TRAPS(CAUSE_ILLEGAL, fcvt.w.d a0, f1, dyn))
    TEST_CASE(219, s10, CAUSE_ILLEGAL, TRAPS(CAUSE_ILLEGAL, fmadd.d f4, f1, f2, f3, dyn))
    /* instructions without a rounding mode do not care about frm */
    TEST_CASE(220, a0, 0x3ff0000000000000, fsgnj.d f3, f1, f1; fmv.x.d a0, f3)
    TEST_CASE(221, a0, 7, csrr a0, frm; csrwi frm, 0)


    /* ---- 3xx-5xx: arithmetic (expected values from the spec's rounding rules; QEMU agrees) ---- */
    /* 3xx: rounding in each mode, flags */
    TEST_FD2(300, fadd.d, rne, 0x3ff0000000000000, 1, 0x3ff0000000000000, 0x3ca0000000000000)
    TEST_FD2(301, fadd.d, rtz, 0x3ff0000000000000, 1, 0x3ff0000000000000, 0x3ca0000000000000)
    TEST_FD2(302, fadd.d, rdn, 0x3ff0000000000000, 1, 0x3ff0000000000000, 0x3ca0000000000000)
    TEST_FD2(303, fadd.d, rup, 0x3ff0000000000001, 1, 0x3ff0000000000000, 0x3ca0000000000000)
    TEST_FD2(304, fadd.d, rmm, 0x3ff0000000000001, 1, 0x3ff0000000000000, 0x3ca0000000000000)
    TEST_FD2(305, fadd.d, rne, 0xbff0000000000000, 1, 0xbff0000000000000, 0xbca0000000000000)
    TEST_FD2(306, fadd.d, rtz, 0xbff0000000000000, 1, 0xbff0000000000000, 0xbca0000000000000)
    TEST_FD2(307, fadd.d, rdn, 0xbff0000000000001, 1, 0xbff0000000000000, 0xbca0000000000000)
    TEST_FD2(308, fadd.d, rup, 0xbff0000000000000, 1, 0xbff0000000000000, 0xbca0000000000000)
    TEST_FD2(309, fadd.d, rmm, 0xbff0000000000001, 1, 0xbff0000000000000, 0xbca0000000000000)
    TEST_FD2(310, fadd.d, rne, 0x3ff0000000000002, 1, 0x3ff0000000000000, 0x3cb8000000000000)
    TEST_FD2(311, fadd.d, rtz, 0x3ff0000000000001, 1, 0x3ff0000000000000, 0x3cb8000000000000)
    TEST_FD2(312, fadd.d, rdn, 0x3ff0000000000001, 1, 0x3ff0000000000000, 0x3cb8000000000000)
    TEST_FD2(313, fadd.d, rup, 0x3ff0000000000002, 1, 0x3ff0000000000000, 0x3cb8000000000000)
    TEST_FD2(314, fadd.d, rmm, 0x3ff0000000000002, 1, 0x3ff0000000000000, 0x3cb8000000000000)
    TEST_FD2(315, fsub.d, rne, 0x0000000000000000, 0, 0x4000000000000000, 0x4000000000000000)
    TEST_FD2(316, fsub.d, rtz, 0x0000000000000000, 0, 0x4000000000000000, 0x4000000000000000)
    TEST_FD2(317, fsub.d, rdn, 0x8000000000000000, 0, 0x4000000000000000, 0x4000000000000000)
    TEST_FD2(318, fsub.d, rup, 0x0000000000000000, 0, 0x4000000000000000, 0x4000000000000000)
    TEST_FD2(319, fsub.d, rmm, 0x0000000000000000, 0, 0x4000000000000000, 0x4000000000000000)
    TEST_FS2(320, fadd.s, rne, 0xffffffff3f800000, 1, 0x3f800000, 0x33000000)
    TEST_FS2(321, fadd.s, rtz, 0xffffffff3f800000, 1, 0x3f800000, 0x33000000)
    TEST_FS2(322, fadd.s, rdn, 0xffffffff3f800000, 1, 0x3f800000, 0x33000000)
    TEST_FS2(323, fadd.s, rup, 0xffffffff3f800001, 1, 0x3f800000, 0x33000000)
    TEST_FS2(324, fadd.s, rmm, 0xffffffff3f800000, 1, 0x3f800000, 0x33000000)
    TEST_FS2(325, fsub.s, rne, 0xffffffffbf800000, 1, 0xbf800000, 0x33400000)
    TEST_FS2(326, fsub.s, rtz, 0xffffffffbf800000, 1, 0xbf800000, 0x33400000)
    TEST_FS2(327, fsub.s, rdn, 0xffffffffbf800001, 1, 0xbf800000, 0x33400000)
    TEST_FS2(328, fsub.s, rup, 0xffffffffbf800000, 1, 0xbf800000, 0x33400000)
    TEST_FS2(329, fsub.s, rmm, 0xffffffffbf800000, 1, 0xbf800000, 0x33400000)
    TEST_FD2(330, fmul.d, rne, 0x7ff0000000000000, 5, 0x7fefffffffffffff, 0x4000000000000000)
    TEST_FD2(331, fmul.d, rtz, 0x7fefffffffffffff, 5, 0x7fefffffffffffff, 0x4000000000000000)
    TEST_FD2(332, fmul.d, rdn, 0x7fefffffffffffff, 5, 0x7fefffffffffffff, 0x4000000000000000)
    TEST_FD2(333, fmul.d, rup, 0x7ff0000000000000, 5, 0x7fefffffffffffff, 0x4000000000000000)
    TEST_FD2(334, fmul.d, rmm, 0x7ff0000000000000, 5, 0x7fefffffffffffff, 0x4000000000000000)
    TEST_FD2(335, fmul.d, rne, 0xfff0000000000000, 5, 0xffefffffffffffff, 0x4000000000000000)
    TEST_FD2(336, fmul.d, rtz, 0xffefffffffffffff, 5, 0xffefffffffffffff, 0x4000000000000000)
    TEST_FD2(337, fmul.d, rdn, 0xfff0000000000000, 5, 0xffefffffffffffff, 0x4000000000000000)
    TEST_FD2(338, fmul.d, rup, 0xffefffffffffffff, 5, 0xffefffffffffffff, 0x4000000000000000)
    TEST_FD2(339, fmul.d, rmm, 0xfff0000000000000, 5, 0xffefffffffffffff, 0x4000000000000000)
    TEST_FS2(340, fmul.s, rne, 0xffffffff7f800000, 5, 0x7f7fffff, 0x3f800001)
    TEST_FS2(341, fmul.s, rtz, 0xffffffff7f7fffff, 5, 0x7f7fffff, 0x3f800001)
    TEST_FS2(342, fmul.s, rdn, 0xffffffff7f7fffff, 5, 0x7f7fffff, 0x3f800001)
    TEST_FS2(343, fmul.s, rup, 0xffffffff7f800000, 5, 0x7f7fffff, 0x3f800001)
    TEST_FS2(344, fmul.s, rmm, 0xffffffff7f800000, 5, 0x7f7fffff, 0x3f800001)
    TEST_FD2(345, fmul.d, rne, 0x0010000000000000, 3, 0x3fefffffffffffff, 0x0010000000000000)
    TEST_FD2(346, fmul.d, rtz, 0x000fffffffffffff, 3, 0x3fefffffffffffff, 0x0010000000000000)
    TEST_FD2(347, fmul.d, rdn, 0x000fffffffffffff, 3, 0x3fefffffffffffff, 0x0010000000000000)
    TEST_FD2(348, fmul.d, rup, 0x0010000000000000, 3, 0x3fefffffffffffff, 0x0010000000000000)
    TEST_FD2(349, fmul.d, rmm, 0x0010000000000000, 3, 0x3fefffffffffffff, 0x0010000000000000)
    TEST_FS2(350, fmul.s, rne, 0xffffffff00800000, 3, 0x3f7fffff, 0x00800000)
    TEST_FS2(351, fmul.s, rne, 0xffffffff00800000, 1, 0x3f7ffffe, 0x00800001)
    TEST_FS2(352, fmul.s, rtz, 0xffffffff007fffff, 3, 0x3f7ffffe, 0x00800001)
    TEST_FD2(353, fmul.d, rne, 0x0008000000000000, 0, 0x3fe0000000000000, 0x0010000000000000)
    TEST_FD2(354, fmul.d, rne, 0x0000000000000000, 3, 0x0000000000000001, 0x3fe0000000000000)
    TEST_FD2(355, fmul.d, rne, 0x8000000000000001, 3, 0x8000000000000001, 0x3fe8000000000000)
    TEST_FD2(356, fmul.d, rtz, 0x8000000000000000, 3, 0x8000000000000001, 0x3fe8000000000000)
    TEST_FD2(357, fmul.d, rdn, 0x8000000000000001, 3, 0x8000000000000001, 0x3fe8000000000000)
    TEST_FD2(358, fmul.d, rup, 0x8000000000000000, 3, 0x8000000000000001, 0x3fe8000000000000)
    TEST_FD2(359, fmul.d, rmm, 0x8000000000000001, 3, 0x8000000000000001, 0x3fe8000000000000)
    TEST_FD2(360, fdiv.d, rne, 0x3fd5555555555555, 1, 0x3ff0000000000000, 0x4008000000000000)
    TEST_FD2(361, fdiv.d, rtz, 0x3fd5555555555555, 1, 0x3ff0000000000000, 0x4008000000000000)
    TEST_FD2(362, fdiv.d, rdn, 0x3fd5555555555555, 1, 0x3ff0000000000000, 0x4008000000000000)
    TEST_FD2(363, fdiv.d, rup, 0x3fd5555555555556, 1, 0x3ff0000000000000, 0x4008000000000000)
    TEST_FD2(364, fdiv.d, rmm, 0x3fd5555555555555, 1, 0x3ff0000000000000, 0x4008000000000000)
    TEST_FS2(365, fdiv.s, rne, 0xffffffffbeaaaaab, 1, 0xbf800000, 0x40400000)
    TEST_FS2(366, fdiv.s, rtz, 0xffffffffbeaaaaaa, 1, 0xbf800000, 0x40400000)
    TEST_FS2(367, fdiv.s, rdn, 0xffffffffbeaaaaab, 1, 0xbf800000, 0x40400000)
    TEST_FS2(368, fdiv.s, rup, 0xffffffffbeaaaaaa, 1, 0xbf800000, 0x40400000)
    TEST_FS2(369, fdiv.s, rmm, 0xffffffffbeaaaaab, 1, 0xbf800000, 0x40400000)
    TEST_FD2(370, fdiv.d, rne, 0x7ff0000000000000, 8, 0x3ff0000000000000, 0x0000000000000000)
    TEST_FD2(371, fdiv.d, rne, 0xfff0000000000000, 8, 0xbff0000000000000, 0x0000000000000000)
    TEST_FD2(372, fdiv.d, rne, 0x7ff8000000000000, 16, 0x0000000000000000, 0x8000000000000000)
    TEST_FS2(373, fdiv.s, rne, 0xffffffff7fc00000, 16, 0x7f800000, 0x7f800000)
    TEST_FD2(374, fdiv.d, rne, 0x0000000000000000, 3, 0x0010000000000000, 0x4340000000000000)
    TEST_FD2(375, fdiv.d, rdn, 0x0005555555555555, 3, 0x0010000000000000, 0x4008000000000000)
    TEST_FD1(376, fsqrt.d, rne, 0x3ff6a09e667f3bcd, 1, 0x4000000000000000)
    TEST_FD1(377, fsqrt.d, rtz, 0x3ff6a09e667f3bcc, 1, 0x4000000000000000)
    TEST_FD1(378, fsqrt.d, rdn, 0x3ff6a09e667f3bcc, 1, 0x4000000000000000)
    TEST_FD1(379, fsqrt.d, rup, 0x3ff6a09e667f3bcd, 1, 0x4000000000000000)
    TEST_FD1(380, fsqrt.d, rmm, 0x3ff6a09e667f3bcd, 1, 0x4000000000000000)
    TEST_FS1(381, fsqrt.s, rne, 0xffffffff3fb504f3, 1, 0x40000000)
    TEST_FS1(382, fsqrt.s, rtz, 0xffffffff3fb504f3, 1, 0x40000000)
    TEST_FS1(383, fsqrt.s, rdn, 0xffffffff3fb504f3, 1, 0x40000000)
    TEST_FS1(384, fsqrt.s, rup, 0xffffffff3fb504f4, 1, 0x40000000)
    TEST_FS1(385, fsqrt.s, rmm, 0xffffffff3fb504f3, 1, 0x40000000)
    TEST_FD1(386, fsqrt.d, rne, 0x7ff8000000000000, 16, 0xbff0000000000000)
    TEST_FD1(387, fsqrt.d, rne, 0x8000000000000000, 0, 0x8000000000000000)
    TEST_FS1(388, fsqrt.s, rne, 0xffffffff7f800000, 0, 0x7f800000)
    TEST_FD1(389, fsqrt.d, rne, 0x1e70000000000000, 0, 0x0000000000000004)
    TEST_FD2(390, fadd.d, rne, 0x7ff8000000000000, 16, 0x7ff0000000000000, 0xfff0000000000000)
    TEST_FS2(391, fmul.s, rne, 0xffffffff7fc00000, 16, 0x7f800000, 0x80000000)
    TEST_FD2(392, fadd.d, rne, 0x7ff8000000000000, 16, 0x7ff4000000000000, 0x3ff0000000000000)
    TEST_FD2(393, fadd.d, rne, 0x7ff8000000000000, 0, 0x7ffc000000001234, 0x3ff0000000000000)
    TEST_FS2(394, fmul.s, rne, 0xffffffff7fc00000, 16, 0xff800001, 0x3f800000)
    TEST_FS2(395, fadd.s, rdn, 0xffffffff80000000, 0, 0x3f800000, 0xbf800000)
    TEST_FD2(396, fadd.d, rdn, 0x8000000000000000, 0, 0x0000000000000000, 0x8000000000000000)
    TEST_FD2(397, fadd.d, rne, 0x0000000000000000, 0, 0x0000000000000000, 0x8000000000000000)
    /* fused multiply-add: one rounding */
    TEST_FD3(398, fmadd.d, rne, 0x3e70000004000000, 0, 0x3ff0000008000000, 0x3ff0000008000000, 0xbff0000000000000)
    TEST_FD3(399, fmadd.d, rtz, 0x3e70000004000000, 0, 0x3ff0000008000000, 0x3ff0000008000000, 0xbff0000000000000)
    TEST_FD3(400, fmadd.d, rdn, 0x3e70000004000000, 0, 0x3ff0000008000000, 0x3ff0000008000000, 0xbff0000000000000)
    TEST_FD3(401, fmadd.d, rup, 0x3e70000004000000, 0, 0x3ff0000008000000, 0x3ff0000008000000, 0xbff0000000000000)
    TEST_FD3(402, fmadd.d, rmm, 0x3e70000004000000, 0, 0x3ff0000008000000, 0x3ff0000008000000, 0xbff0000000000000)
    TEST_FD3(403, fmadd.d, rne, 0x3cc0000000000000, 1, 0x3ff0000000000001, 0x3ff0000000000001, 0xbff0000000000000)
    TEST_FD3(404, fmadd.d, rtz, 0x3cc0000000000000, 1, 0x3ff0000000000001, 0x3ff0000000000001, 0xbff0000000000000)
    TEST_FD3(405, fmadd.d, rdn, 0x3cc0000000000000, 1, 0x3ff0000000000001, 0x3ff0000000000001, 0xbff0000000000000)
    TEST_FD3(406, fmadd.d, rup, 0x3cc0000000000001, 1, 0x3ff0000000000001, 0x3ff0000000000001, 0xbff0000000000000)
    TEST_FD3(407, fmadd.d, rmm, 0x3cc0000000000001, 1, 0x3ff0000000000001, 0x3ff0000000000001, 0xbff0000000000000)
    TEST_FD3(408, fmsub.d, rne, 0x4008000000000000, 1, 0x3ff8000000000000, 0x4000000000000000, 0x3ca0000000000000)
    TEST_FD3(409, fmsub.d, rtz, 0x4007ffffffffffff, 1, 0x3ff8000000000000, 0x4000000000000000, 0x3ca0000000000000)
    TEST_FD3(410, fmsub.d, rdn, 0x4007ffffffffffff, 1, 0x3ff8000000000000, 0x4000000000000000, 0x3ca0000000000000)
    TEST_FD3(411, fmsub.d, rup, 0x4008000000000000, 1, 0x3ff8000000000000, 0x4000000000000000, 0x3ca0000000000000)
    TEST_FD3(412, fmsub.d, rmm, 0x4008000000000000, 1, 0x3ff8000000000000, 0x4000000000000000, 0x3ca0000000000000)
    TEST_FD3(413, fnmsub.d, rne, 0xc008000000000000, 1, 0x3ff8000000000000, 0x4000000000000000, 0x3ca0000000000000)
    TEST_FD3(414, fnmsub.d, rtz, 0xc007ffffffffffff, 1, 0x3ff8000000000000, 0x4000000000000000, 0x3ca0000000000000)
    TEST_FD3(415, fnmsub.d, rdn, 0xc008000000000000, 1, 0x3ff8000000000000, 0x4000000000000000, 0x3ca0000000000000)
    TEST_FD3(416, fnmsub.d, rup, 0xc007ffffffffffff, 1, 0x3ff8000000000000, 0x4000000000000000, 0x3ca0000000000000)
    TEST_FD3(417, fnmsub.d, rmm, 0xc008000000000000, 1, 0x3ff8000000000000, 0x4000000000000000, 0x3ca0000000000000)
    TEST_FD3(418, fnmadd.d, rne, 0xc008000000000000, 1, 0x3ff8000000000000, 0x4000000000000000, 0x3ca0000000000000)
    TEST_FD3(419, fnmadd.d, rtz, 0xc008000000000000, 1, 0x3ff8000000000000, 0x4000000000000000, 0x3ca0000000000000)
    TEST_FD3(420, fnmadd.d, rdn, 0xc008000000000001, 1, 0x3ff8000000000000, 0x4000000000000000, 0x3ca0000000000000)
    TEST_FD3(421, fnmadd.d, rup, 0xc008000000000000, 1, 0x3ff8000000000000, 0x4000000000000000, 0x3ca0000000000000)
    TEST_FD3(422, fnmadd.d, rmm, 0xc008000000000000, 1, 0x3ff8000000000000, 0x4000000000000000, 0x3ca0000000000000)
    TEST_FS3(423, fmadd.s, rne, 0xffffffff34800000, 1, 0x3f800001, 0x3f800001, 0xbf800000)
    TEST_FS3(424, fmadd.s, rtz, 0xffffffff34800000, 1, 0x3f800001, 0x3f800001, 0xbf800000)
    TEST_FS3(425, fmadd.s, rdn, 0xffffffff34800000, 1, 0x3f800001, 0x3f800001, 0xbf800000)
    TEST_FS3(426, fmadd.s, rup, 0xffffffff34800001, 1, 0x3f800001, 0x3f800001, 0xbf800000)
    TEST_FS3(427, fmadd.s, rmm, 0xffffffff34800001, 1, 0x3f800001, 0x3f800001, 0xbf800000)
    TEST_FS3(428, fmadd.s, rne, 0xffffffff3f800002, 1, 0x3f800001, 0x3f800001, 0x33000000)
    TEST_FS3(429, fmadd.s, rtz, 0xffffffff3f800002, 1, 0x3f800001, 0x3f800001, 0x33000000)
    TEST_FS3(430, fmadd.s, rdn, 0xffffffff3f800002, 1, 0x3f800001, 0x3f800001, 0x33000000)
    TEST_FS3(431, fmadd.s, rup, 0xffffffff3f800003, 1, 0x3f800001, 0x3f800001, 0x33000000)
    TEST_FS3(432, fmadd.s, rmm, 0xffffffff3f800002, 1, 0x3f800001, 0x3f800001, 0x33000000)
    TEST_FD3(433, fmadd.d, rne, 0x7ff8000000000000, 16, 0x0000000000000000, 0x7ff0000000000000, 0x7ff8000000000000)
    TEST_FS3(434, fmadd.s, rne, 0xffffffff7fc00000, 16, 0x7f800000, 0x00000000, 0x7fc00000)
    TEST_FD3(435, fmadd.d, rne, 0x7ff8000000000000, 16, 0x7ff0000000000000, 0x3ff0000000000000, 0xfff0000000000000)
    TEST_FD3(436, fmadd.d, rdn, 0x8000000000000000, 0, 0x3ff0000000000000, 0x4000000000000000, 0xc000000000000000)
    TEST_FD3(437, fmadd.d, rne, 0x0000000000000000, 0, 0x3ff0000000000000, 0x0000000000000000, 0x8000000000000000)
    TEST_FD3(438, fnmadd.d, rne, 0x8000000000000000, 0, 0x3ff0000000000000, 0x0000000000000000, 0x0000000000000000)
    TEST_FD3(439, fmadd.d, rne, 0x7fe0000000000000, 0, 0x7fe0000000000000, 0x4000000000000000, 0xffe0000000000000)
    TEST_FD3(440, fmadd.d, rne, 0x0007ffffffffffff, 0, 0x0010000000000000, 0x3fe0000000000000, 0x8000000000000001)
    TEST_FS3(441, fmadd.s, rne, 0xffffffff003fffff, 0, 0x00800000, 0x3f000000, 0x80000001)
    /* conversions to integers: rounding, saturation, NV */
    TEST_F2X(442, fcvt.w.d, rne, 0x0000000000000002, 1, fmv.d.x, 0x4004000000000000)
    TEST_F2X(443, fcvt.w.d, rtz, 0x0000000000000002, 1, fmv.d.x, 0x4004000000000000)
    TEST_F2X(444, fcvt.w.d, rdn, 0x0000000000000002, 1, fmv.d.x, 0x4004000000000000)
    TEST_F2X(445, fcvt.w.d, rup, 0x0000000000000003, 1, fmv.d.x, 0x4004000000000000)
    TEST_F2X(446, fcvt.w.d, rmm, 0x0000000000000003, 1, fmv.d.x, 0x4004000000000000)
    TEST_F2X(447, fcvt.w.d, rne, 0xfffffffffffffffe, 1, fmv.d.x, 0xc004000000000000)
    TEST_F2X(448, fcvt.w.d, rtz, 0xfffffffffffffffe, 1, fmv.d.x, 0xc004000000000000)
    TEST_F2X(449, fcvt.w.d, rdn, 0xfffffffffffffffd, 1, fmv.d.x, 0xc004000000000000)
    TEST_F2X(450, fcvt.w.d, rup, 0xfffffffffffffffe, 1, fmv.d.x, 0xc004000000000000)
    TEST_F2X(451, fcvt.w.d, rmm, 0xfffffffffffffffd, 1, fmv.d.x, 0xc004000000000000)
    TEST_F2X(452, fcvt.l.s, rne, 0xfffffffffffffffe, 1, fmv.w.x, 0xbfc00000)
    TEST_F2X(453, fcvt.l.s, rtz, 0xffffffffffffffff, 1, fmv.w.x, 0xbfc00000)
    TEST_F2X(454, fcvt.l.s, rdn, 0xfffffffffffffffe, 1, fmv.w.x, 0xbfc00000)
    TEST_F2X(455, fcvt.l.s, rup, 0xffffffffffffffff, 1, fmv.w.x, 0xbfc00000)
    TEST_F2X(456, fcvt.l.s, rmm, 0xfffffffffffffffe, 1, fmv.w.x, 0xbfc00000)
    TEST_F2X(457, fcvt.w.d, rne, 0x000000007fffffff, 16, fmv.d.x, 0x7ff8000000000000)
    TEST_F2X(458, fcvt.w.d, rne, 0x000000007fffffff, 16, fmv.d.x, 0x7ff0000000000000)
    TEST_F2X(459, fcvt.w.d, rne, 0xffffffff80000000, 16, fmv.d.x, 0xfff0000000000000)
    TEST_F2X(460, fcvt.w.d, rne, 0x000000007fffffff, 16, fmv.d.x, 0x41e0000000000000)
    TEST_F2X(461, fcvt.w.d, rne, 0xffffffff80000000, 0, fmv.d.x, 0xc1e0000000000000)
    TEST_F2X(462, fcvt.w.d, rtz, 0xffffffff80000000, 16, fmv.d.x, 0xc1e0000000200000)
    TEST_F2X(463, fcvt.w.d, rtz, 0x000000007fffffff, 1, fmv.d.x, 0x41dfffffffffffff)
    TEST_F2X(464, fcvt.w.d, rne, 0x000000007fffffff, 16, fmv.d.x, 0x41dfffffffe00000)
    TEST_F2X(465, fcvt.wu.d, rne, 0x0000000000000000, 16, fmv.d.x, 0xbff0000000000000)
    TEST_F2X(466, fcvt.wu.d, rtz, 0x0000000000000000, 1, fmv.d.x, 0xbfe0000000000000)
    TEST_F2X(467, fcvt.wu.d, rne, 0x0000000000000000, 16, fmv.d.x, 0xbfe8000000000000)
    TEST_F2X(468, fcvt.wu.d, rne, 0xffffffffffffffff, 0, fmv.d.x, 0x41efffffffe00000)
    TEST_F2X(469, fcvt.wu.d, rne, 0xffffffffffffffff, 16, fmv.d.x, 0x41f0000000000000)
    TEST_F2X(470, fcvt.wu.d, rne, 0xffffffffffffffff, 16, fmv.d.x, 0x7ff8000000000000)
    TEST_F2X(471, fcvt.wu.s, rne, 0xffffffffffffff00, 0, fmv.w.x, 0x4f7fffff)
    TEST_F2X(472, fcvt.wu.s, rne, 0x0000000000000000, 16, fmv.w.x, 0xff800000)
    TEST_F2X(473, fcvt.l.d, rne, 0x7fffffffffffffff, 16, fmv.d.x, 0x43e0000000000000)
    TEST_F2X(474, fcvt.l.d, rne, 0x8000000000000000, 0, fmv.d.x, 0xc3e0000000000000)
    TEST_F2X(475, fcvt.l.d, rne, 0x8000000000000000, 16, fmv.d.x, 0xc3e0000000000001)
    TEST_F2X(476, fcvt.l.d, rne, 0x7ffffffffffffc00, 0, fmv.d.x, 0x43dfffffffffffff)
    TEST_F2X(477, fcvt.l.d, rne, 0x7fffffffffffffff, 16, fmv.d.x, 0x7ff4000000000000)
    TEST_F2X(478, fcvt.lu.d, rne, 0xffffffffffffffff, 16, fmv.d.x, 0x43f0000000000000)
    TEST_F2X(479, fcvt.lu.d, rne, 0xfffffffffffff800, 0, fmv.d.x, 0x43efffffffffffff)
    TEST_F2X(480, fcvt.lu.d, rup, 0x0000000000000000, 1, fmv.d.x, 0xbfe0000000000000)
    TEST_F2X(481, fcvt.lu.d, rdn, 0x0000000000000000, 16, fmv.d.x, 0xbfe0000000000000)
    TEST_F2X(482, fcvt.lu.s, rne, 0xffffffffffffffff, 16, fmv.w.x, 0x5f800000)
    TEST_F2X(483, fcvt.lu.s, rne, 0xffffffffffffffff, 16, fmv.w.x, 0x7fc00000)
    TEST_F2X(484, fcvt.w.s, rmm, 0x0000000000000001, 1, fmv.w.x, 0x3f000000)
    TEST_F2X(485, fcvt.w.s, rne, 0x0000000000000000, 1, fmv.w.x, 0x3f000000)
    TEST_F2X(486, fcvt.w.s, rne, 0x0000000000000002, 1, fmv.w.x, 0x3fc00000)
    TEST_F2X(487, fcvt.w.d, rne, 0x0000000000000000, 1, fmv.d.x, 0x0000000000000001)
    TEST_F2X(488, fcvt.w.d, rup, 0x0000000000000001, 1, fmv.d.x, 0x0000000000000001)
    TEST_F2X(489, fcvt.w.d, rdn, 0xffffffffffffffff, 1, fmv.d.x, 0x8000000000000001)
    /* conversions from integers */
    TEST_X2F(490, fcvt.d.l, rne, 0x4340000000000000, 1, 0x20000000000001)
    TEST_X2F(491, fcvt.d.l, rtz, 0x4340000000000000, 1, 0x20000000000001)
    TEST_X2F(492, fcvt.d.l, rdn, 0x4340000000000000, 1, 0x20000000000001)
    TEST_X2F(493, fcvt.d.l, rup, 0x4340000000000001, 1, 0x20000000000001)
    TEST_X2F(494, fcvt.d.l, rmm, 0x4340000000000001, 1, 0x20000000000001)
    TEST_X2F(495, fcvt.s.l, rne, 0xffffffffda000000, 1, 0xffdfffffffffffff)
    TEST_X2F(496, fcvt.s.l, rtz, 0xffffffffda000000, 1, 0xffdfffffffffffff)
    TEST_X2F(497, fcvt.s.l, rdn, 0xffffffffda000001, 1, 0xffdfffffffffffff)
    TEST_X2F(498, fcvt.s.l, rup, 0xffffffffda000000, 1, 0xffdfffffffffffff)
    TEST_X2F(499, fcvt.s.l, rmm, 0xffffffffda000000, 1, 0xffdfffffffffffff)
    TEST_X2F(500, fcvt.s.w, rne, 0xffffffff4b800000, 1, 0x1000001)
    TEST_X2F(501, fcvt.s.w, rtz, 0xffffffff4b800000, 1, 0x1000001)
    TEST_X2F(502, fcvt.s.w, rdn, 0xffffffff4b800000, 1, 0x1000001)
    TEST_X2F(503, fcvt.s.w, rup, 0xffffffff4b800001, 1, 0x1000001)
    TEST_X2F(504, fcvt.s.w, rmm, 0xffffffff4b800001, 1, 0x1000001)
    TEST_X2F(505, fcvt.s.wu, rne, 0xffffffff4f800000, 1, 0xffffffffffffffff)
    TEST_X2F0(506, fcvt.d.wu, 0x41efffffffe00000, 0, 0xffffffffffffffff)
    TEST_X2F0(507, fcvt.d.w, 0xbff0000000000000, 0, 0xffffffffffffffff)
    TEST_X2F(508, fcvt.s.w, rne, 0xffffffffcf000000, 0, 0xffffffff80000000)
    TEST_X2F(509, fcvt.d.lu, rne, 0x43f0000000000000, 1, 0xffffffffffffffff)
    TEST_X2F(510, fcvt.s.lu, rtz, 0xffffffff5f7fffff, 1, 0xffffffffffffffff)
    TEST_X2F(511, fcvt.d.lu, rup, 0x43f0000000000000, 1, 0xffffffffffffffff)
    TEST_X2F(512, fcvt.d.l, rne, 0xc3e0000000000000, 0, 0x8000000000000000)
    TEST_X2F(513, fcvt.d.l, rne, 0x0000000000000000, 0, 0x0)
    TEST_X2F(514, fcvt.s.wu, rne, 0xffffffff4f000000, 1, 0x80000001)
    TEST_X2F0(515, fcvt.d.w, 0xc1e0000000000000, 0, 0x180000000)
    /* fcvt.s.d */
    TEST_F2F(516, fcvt.s.d, rne, 0xffffffff3f800000, 1, fmv.d.x, 0x3ff0000010000000)
    TEST_F2F(517, fcvt.s.d, rtz, 0xffffffff3f800000, 1, fmv.d.x, 0x3ff0000010000000)
    TEST_F2F(518, fcvt.s.d, rdn, 0xffffffff3f800000, 1, fmv.d.x, 0x3ff0000010000000)
    TEST_F2F(519, fcvt.s.d, rup, 0xffffffff3f800001, 1, fmv.d.x, 0x3ff0000010000000)
    TEST_F2F(520, fcvt.s.d, rmm, 0xffffffff3f800001, 1, fmv.d.x, 0x3ff0000010000000)
    TEST_F2F(521, fcvt.s.d, rne, 0xffffffff7f800000, 5, fmv.d.x, 0x47efffffffffffff)
    TEST_F2F(522, fcvt.s.d, rtz, 0xffffffff7f7fffff, 1, fmv.d.x, 0x47efffffffffffff)
    TEST_F2F(523, fcvt.s.d, rdn, 0xffffffff7f7fffff, 1, fmv.d.x, 0x47efffffffffffff)
    TEST_F2F(524, fcvt.s.d, rup, 0xffffffff7f800000, 5, fmv.d.x, 0x47efffffffffffff)
    TEST_F2F(525, fcvt.s.d, rmm, 0xffffffff7f800000, 5, fmv.d.x, 0x47efffffffffffff)
    TEST_F2F(526, fcvt.s.d, rne, 0xffffffff7f800000, 5, fmv.d.x, 0x7fe0000000000000)
    TEST_F2F(527, fcvt.s.d, rtz, 0xffffffffff7fffff, 5, fmv.d.x, 0xffe0000000000000)
    TEST_F2F(528, fcvt.s.d, rne, 0xffffffff00000001, 0, fmv.d.x, 0x36a0000000000000)
    TEST_F2F(529, fcvt.s.d, rne, 0xffffffff00000000, 3, fmv.d.x, 0x3690000000000000)
    TEST_F2F(530, fcvt.s.d, rne, 0xffffffff00400000, 0, fmv.d.x, 0x3800000000000000)
    TEST_F2F(531, fcvt.s.d, rne, 0xffffffff00800000, 1, fmv.d.x, 0x380fffffffffffff)
    TEST_F2F(532, fcvt.s.d, rne, 0xffffffff7fc00000, 16, fmv.d.x, 0x7ff4000000000000)
    TEST_F2F(533, fcvt.s.d, rne, 0xffffffff80000000, 0, fmv.d.x, 0x8000000000000000)

    /* ---- 6xx: NaN-boxing and moves ---- */
    TEST_CASE(601, a0, 0xffffffff3f800000, li t0, 0x3f800000; fmv.w.x f1, t0; fmv.x.d a0, f1)
    TEST_CASE(602, a0, 0xffffffffbf800000, li t0, 0x12345678bf800000; fmv.w.x f1, t0; fmv.x.w a0, f1)
    /* an improperly boxed single reads as the canonical NaN (a quiet NaN: no NV) */
    TEST_CASE(603, a0, 0xffffffff7fc00000, li t0, 0x000000003f800000; fmv.d.x f1, t0;
        csrwi fflags, 0; fadd.s f2, f1, f1; fmv.x.d a0, f2; csrr a1, fflags)
    CHECK(a1, 0)
    /* ... except for fmv.x.w and fsw, which take bits 31:0 as they are */
    TEST_CASE(604, a0, 0x3f800000, fmv.x.w a0, f1)
    TEST_CASE(605, a0, 0xffffffffbf800000, li t0, 0x12345678bf800000; fmv.d.x f5, t0; fmv.x.w a0, f5)
    TEST_CASE(606, a0, 0x3f800000, la a1, fbuf; fsw f1, 0(a1); lwu a0, 0(a1))
    TEST_CASE(607, a0, 0xffffffffffc00000, li t0, 0xbf800000; fmv.w.x f2, t0; fsgnj.s f3, f1, f2;
        fmv.x.d a0, f3)
    TEST_CASE(608, a0, 0xffffffffffc00000, fsgnjn.s f3, f1, f1; fmv.x.d a0, f3)
    TEST_CASE(609, a0, 0x7ff8000000000000, csrwi fflags, 0; fcvt.d.s f3, f1; fmv.x.d a0, f3; csrr a1, fflags)
    CHECK(a1, 0)
    TEST_CASE(610, a0, 0x0000000000000200, fclass.s a0, f1)
    TEST_CASE(611, a0, 0xffffffff40490fdb, la a1, fdata; flw f3, 0(a1); fmv.x.d a0, f3)
    /* moves and sign injection keep NaN payloads, raise nothing */
    TEST_CASE(612, a0, 0x7ff0000000000001, la a1, fdata; fld f3, 8(a1); fmv.x.d a0, f3)
    TEST_CASE(613, a0, 0xfff0000000000001, csrwi fflags, 0; fsgnjn.d f4, f3, f3; fmv.x.d a0, f4;
        csrr a1, fflags)
    CHECK(a1, 0)
    TEST_CASE(614, a0, 0x7ff0000000000001, fsgnjx.d f5, f4, f4; fmv.x.d a0, f5)
    TEST_CASE(615, a0, 0xfff0000000000001, fsgnjx.d f5, f3, f4; fmv.x.d a0, f5)
    TEST_CASE(616, a0, 0xffffffff7f800001, li t0, 0x7f800001; fmv.w.x f1, t0; fsgnj.s f2, f1, f1;
        fmv.x.d a0, f2)
    TEST_CASE(617, a0, 0xffffffffff800001, fsgnjn.s f2, f1, f1; fmv.x.d a0, f2; csrr a1, fflags)
    CHECK(a1, 0)
    TEST_FR(618, fsgnj.s, 0xffffffffbf800000, 0, fmv.w.x, 0x3f800000, 0xc0000000)
    TEST_FR(619, fsgnjx.s, 0xffffffff3f800000, 0, fmv.w.x, 0xbf800000, 0xc0000000)
    TEST_FR(620, fsgnj.d, 0x3ff0000000000000, 0, fmv.d.x, 0xbff0000000000000, 0x7ff8000000000000)
    TEST_CASE(621, a0, 0x0123456789abcdef, li t0, 0x0123456789abcdef; fmv.d.x f7, t0; fmv.x.d a0, f7)

    /* ---- 7xx: fmin/fmax, compares, fclass ---- */
    TEST_FR(701, fmin.d, 0x8000000000000000, 0, fmv.d.x, 0x0000000000000000, 0x8000000000000000)
    TEST_FR(702, fmin.d, 0x8000000000000000, 0, fmv.d.x, 0x8000000000000000, 0x0000000000000000)
    TEST_FR(703, fmax.d, 0x0000000000000000, 0, fmv.d.x, 0x8000000000000000, 0x0000000000000000)
    TEST_FR(704, fmax.d, 0x0000000000000000, 0, fmv.d.x, 0x0000000000000000, 0x8000000000000000)
    TEST_FR(705, fmin.d, 0x3ff0000000000000, 0, fmv.d.x, 0x7ff8000000000000, 0x3ff0000000000000)
    TEST_FR(706, fmax.d, 0x3ff0000000000000, 0, fmv.d.x, 0x3ff0000000000000, 0x7ff8000000000000)
    TEST_FR(707, fmin.d, 0x3ff0000000000000, 16, fmv.d.x, 0x7ff0000000000001, 0x3ff0000000000000)
    TEST_FR(708, fmax.d, 0x7ff8000000000000, 16, fmv.d.x, 0x7ff0000000000001, 0xfff8000000000123)
    TEST_FR(709, fmin.d, 0x7ff8000000000000, 0, fmv.d.x, 0x7ffc000000000000, 0xfff8000000000123)
    TEST_FR(710, fmin.d, 0xfff0000000000000, 0, fmv.d.x, 0xfff0000000000000, 0x7fefffffffffffff)
    TEST_FR(711, fmax.s, 0xffffffff40000000, 0, fmv.w.x, 0xbf800000, 0x40000000)
    TEST_FR(712, fmin.s, 0xffffffffbf800000, 0, fmv.w.x, 0xbf800000, 0x40000000)
    TEST_FR(713, fmin.s, 0xffffffff80000000, 0, fmv.w.x, 0x00000000, 0x80000000)
    TEST_FR(714, fmax.s, 0xffffffff3f800000, 16, fmv.w.x, 0x7f800001, 0x3f800000)
    TEST_FR(715, fmax.s, 0xffffffff7fc00000, 0, fmv.w.x, 0x7fc00001, 0xffc00000)
    TEST_FR(716, fmin.s, 0xffffffff3f800000, 0, fmv.d.x, 0x000000007f800000, 0xffffffff3f800000)
    TEST_FCMP(721, feq.d, 1, 0, fmv.d.x, 0x8000000000000000, 0x0000000000000000)
    TEST_FCMP(722, flt.d, 0, 0, fmv.d.x, 0x8000000000000000, 0x0000000000000000)
    TEST_FCMP(723, fle.d, 1, 0, fmv.d.x, 0x8000000000000000, 0x0000000000000000)
    TEST_FCMP(724, flt.d, 1, 0, fmv.d.x, 0xfff0000000000000, 0xffefffffffffffff)
    TEST_FCMP(725, fle.d, 0, 0, fmv.d.x, 0x3ff0000000000001, 0x3ff0000000000000)
    TEST_FCMP(726, feq.d, 0, 0, fmv.d.x, 0x7ff8000000000000, 0x7ff8000000000000)
    TEST_FCMP(727, feq.d, 0, 16, fmv.d.x, 0x7ff0000000000001, 0x3ff0000000000000)
    TEST_FCMP(728, flt.d, 0, 16, fmv.d.x, 0x7ff8000000000000, 0x3ff0000000000000)
    TEST_FCMP(729, fle.d, 0, 16, fmv.d.x, 0x3ff0000000000000, 0x7ff8000000000000)
    TEST_FCMP(730, feq.s, 1, 0, fmv.w.x, 0x3f800000, 0x3f800000)
    TEST_FCMP(731, flt.s, 1, 0, fmv.w.x, 0xbf800000, 0x3f800000)
    TEST_FCMP(732, fle.s, 0, 16, fmv.w.x, 0x7fc00000, 0x3f800000)
    TEST_FCMP(733, feq.s, 0, 16, fmv.w.x, 0xff800001, 0x3f800000)
    TEST_FCMP(734, feq.s, 0, 0, fmv.d.x, 0x000000003f800000, 0xffffffff3f800000)
    TEST_FCLASS(741, fclass.d, 1 << 0, fmv.d.x, 0xfff0000000000000)
    TEST_FCLASS(742, fclass.d, 1 << 1, fmv.d.x, 0xbff0000000000000)
    TEST_FCLASS(743, fclass.d, 1 << 2, fmv.d.x, 0x800fffffffffffff)
    TEST_FCLASS(744, fclass.d, 1 << 3, fmv.d.x, 0x8000000000000000)
    TEST_FCLASS(745, fclass.d, 1 << 4, fmv.d.x, 0x0000000000000000)
    TEST_FCLASS(746, fclass.d, 1 << 5, fmv.d.x, 0x0000000000000001)
    TEST_FCLASS(747, fclass.d, 1 << 6, fmv.d.x, 0x0010000000000000)
    TEST_FCLASS(748, fclass.d, 1 << 7, fmv.d.x, 0x7ff0000000000000)
    TEST_FCLASS(749, fclass.d, 1 << 8, fmv.d.x, 0xfff7ffffffffffff)
    TEST_FCLASS(750, fclass.d, 1 << 9, fmv.d.x, 0x7ff8000000000000)
    TEST_FCLASS(751, fclass.s, 1 << 0, fmv.w.x, 0xff800000)
    TEST_FCLASS(752, fclass.s, 1 << 1, fmv.w.x, 0xff7fffff)
    TEST_FCLASS(753, fclass.s, 1 << 2, fmv.w.x, 0x80000001)
    TEST_FCLASS(754, fclass.s, 1 << 3, fmv.w.x, 0x80000000)
    TEST_FCLASS(755, fclass.s, 1 << 4, fmv.w.x, 0x00000000)
    TEST_FCLASS(756, fclass.s, 1 << 5, fmv.w.x, 0x007fffff)
    TEST_FCLASS(757, fclass.s, 1 << 6, fmv.w.x, 0x00800000)
    TEST_FCLASS(758, fclass.s, 1 << 7, fmv.w.x, 0x7f800000)
    TEST_FCLASS(759, fclass.s, 1 << 8, fmv.w.x, 0x7fbfffff)
    TEST_FCLASS(760, fclass.s, 1 << 9, fmv.w.x, 0xffc00001)

    /* ---- 8xx: loads and stores ---- */
    TEST_CASE(801, a0, 0x0123456789abcdef, la a1, fbuf; li t0, 0x0123456789abcdef; fmv.d.x f9, t0;
        fsd f9, 16(a1); addi a2, a1, 32; fld f10, -16(a2); fmv.x.d a0, f10)
    TEST_CASE(802, a0, 0x89abcdef, lwu a0, 16(a1))
    TEST_CASE(803, a0, 0xffffffff01234567, flw f11, 20(a1); fmv.x.d a0, f11)
    TEST_CASE(804, a0, 0x0123456789abcdef, la s0, fbuf; c.fsd f9, 40(s0); c.fld f8, 40(s0);
        fmv.x.d a0, f8)
    TEST_CASE(805, a0, 0xfedcba9876543210, li t0, 0xfedcba9876543210; fmv.d.x f12, t0;
        addi sp, sp, -64; c.fsdsp f12, 56(sp); c.fldsp f13, 56(sp); ld a0, 56(sp); addi sp, sp, 64)
    TEST_CASE(806, a0, 0xfedcba9876543210, fmv.x.d a0, f13)
    TEST_CASE(807, a0, 0x76543210, la a1, fbuf; fsw f12, 4(a1); lwu a0, 4(a1))

RVTEST_CODE_END

RVTEST_DATA_BEGIN
fdata:
    .word 0x40490fdb, 0
    .dword 0x7ff0000000000001
fbuf:
    .skip 64
RVTEST_DATA_END
