/*
 * rv64i.S - RV64I base integer instructions (unprivileged spec, chapters
 * "RV32I Base Integer Instruction Set" and "RV64I Base Integer Instruction Set").
 * Written without compressed instructions so every base encoding is used.
 * Cases 1xx: register-register, 2xx: immediate, 3xx: *W forms, 4xx: lui/auipc,
 * 5xx: branches, 6xx: jal/jalr, 7xx: loads, 8xx: stores, 9xx: fences, x0.
 */
#include "test.h"

    .option norvc
RVTEST_CODE_BEGIN

    /* ---- add / sub ---- */
    TEST_RR(101, add, 0, 0, 0)
    TEST_RR(102, add, 3, 1, 2)
    TEST_RR(103, add, 0, -1, 1)
    TEST_RR(104, add, 0x8000000000000000, 0x7fffffffffffffff, 1)
    TEST_RR(105, add, 0xfffffffffffffffe, -1, -1)
    TEST_RR(106, add, 0x0000000100000000, 0xffffffff, 1)
    TEST_RR(107, sub, 0, 5, 5)
    TEST_RR(108, sub, -1, 0, 1)
    TEST_RR(109, sub, 0x7fffffffffffffff, 0x8000000000000000, 1)
    TEST_RR(110, sub, 0x8000000000000000, 0, 0x8000000000000000)
    TEST_RR_SAME(111, add, 0x2468, 0x1234)
    TEST_RR_SAME(112, sub, 0, 0x1234)

    /* ---- logic ---- */
    TEST_RR(113, and, 0x0f000f00f000f000, 0xff00ff00ff00ff00, 0x0f0f0f0ff0f0f0f0)
    TEST_RR(114, or,  0xff0fff0ffff0fff0, 0xff00ff00ff00ff00, 0x0f0f0f0ff0f0f0f0)
    TEST_RR(115, xor, 0xf00ff00f0ff00ff0, 0xff00ff00ff00ff00, 0x0f0f0f0ff0f0f0f0)
    TEST_RR(116, xor, 0, -1, -1)

    /* ---- shifts: amount is rs2[5:0] ---- */
    TEST_RR(117, sll, 0x0000000000000002, 1, 1)
    TEST_RR(118, sll, 0x8000000000000000, 1, 63)
    TEST_RR(119, sll, 0x0000000000000002, 1, 65)      /* 65 & 63 = 1 */
    TEST_RR(120, sll, 0xffffffff80000000, 0xffffffffffffffff, 31)
    TEST_RR(121, sll, 0x0000000100000000, 1, 32)
    TEST_RR(122, srl, 0x7fffffffffffffff, -1, 1)
    TEST_RR(123, srl, 1, 0x8000000000000000, 63)
    TEST_RR(124, srl, 0x00000000ffffffff, -1, 32)
    TEST_RR(125, srl, 0x4000000000000000, 0x8000000000000000, 0xffffffffffffffc1) /* amount 1 */
    TEST_RR(126, sra, 0xc000000000000000, 0x8000000000000000, 1)
    TEST_RR(127, sra, -1, 0x8000000000000000, 63)
    TEST_RR(128, sra, 0x3fffffffffffffff, 0x7fffffffffffffff, 1)
    TEST_RR(129, sra, 0xffffffff80000000, 0x8000000000000000, 32)
    TEST_RR(130, sra, 0x8000000000000000, 0x8000000000000000, 64) /* amount 0 */

    /* ---- set less than ---- */
    TEST_RR(131, slt, 0, 0, 0)
    TEST_RR(132, slt, 1, -1, 0)
    TEST_RR(133, slt, 0, 0, -1)
    TEST_RR(134, slt, 1, 0x8000000000000000, 0x7fffffffffffffff)
    TEST_RR(135, slt, 0, 0x7fffffffffffffff, 0x8000000000000000)
    TEST_RR(136, sltu, 0, -1, 0)
    TEST_RR(137, sltu, 1, 0, -1)
    TEST_RR(138, sltu, 0, 0x8000000000000000, 0x7fffffffffffffff)
    TEST_RR(139, sltu, 1, 0x7fffffffffffffff, 0x8000000000000000)
    TEST_RR(140, sltu, 0, 5, 5)
    TEST_CASE(141, a0, 1, li a2, 7; sltu a0, zero, a2)  /* snez */

    /* ---- immediates: 12-bit, sign-extended ---- */
    TEST_RI(201, addi, 0x7ff, 0, 2047)
    TEST_RI(202, addi, -2048, 0, -2048)
    TEST_RI(203, addi, 0x8000000000000000, 0x7fffffffffffffff, 1)
    TEST_RI(204, addi, 0xffffffffffffffff, 0, -1)
    TEST_RI(205, andi, 0x00000000000007f0, 0x0000ff00ff00fff0, 0x7f0)
    TEST_RI(224, andi, 0x0000ff00ff00fff0, 0x0000ff00ff00fff7, -16)   /* imm sign-extended */
    TEST_RI(206, andi, 0xff00ff00ff00ff00, 0xff00ff00ff00ff00, -1)
    TEST_RI(207, ori,  0xfffffffffffff80f, 0x000000000000000f, -2033)
    TEST_RI(208, xori, 0xffffffffffffff0f, 0x00000000000000f0, -1)     /* not */
    TEST_RI(209, xori, 0x00000000000007ff, 0, 0x7ff)
    TEST_RI(210, slti, 1, -1, 0)
    TEST_RI(211, slti, 0, 0, -1)
    TEST_RI(212, slti, 1, 0x8000000000000000, -2048)
    TEST_RI(213, sltiu, 1, 0, -1)                   /* compares with 2^64-1 */
    TEST_RI(214, sltiu, 0, -1, -1)
    TEST_RI(215, sltiu, 1, 0, 1)                    /* seqz */
    TEST_RI(216, slli, 0x8000000000000000, 1, 63)
    TEST_RI(217, slli, 0xffffffff00000000, 0xffffffff, 32)
    TEST_RI(218, srli, 1, 0x8000000000000000, 63)
    TEST_RI(219, srli, 0x00000000ffffffff, -1, 32)
    TEST_RI(220, srai, -1, 0x8000000000000000, 63)
    TEST_RI(221, srai, 0xfffffffff8000000, 0xffffffff80000000, 4)
    TEST_RI(222, srai, 0x0000000007ffffff, 0x000000007fffffff, 4)
    TEST_RI(223, slli, 0x123456789abcdef0, 0x123456789abcdef0, 0)

    /* ---- *W forms: 32-bit result sign-extended to 64 ---- */
    TEST_RR(301, addw, 0xffffffff80000000, 0x7fffffff, 1)
    TEST_RR(302, addw, 0, 0xffffffff, 1)
    TEST_RR(303, addw, 0x0000000000000003, 0x1234567800000001, 0xabcdef0000000002)
    TEST_RR(304, subw, 0xffffffffffffffff, 0, 1)
    TEST_RR(305, subw, 0x000000007fffffff, 0x80000000, 1)
    TEST_RR(306, sllw, 0xffffffff80000000, 1, 31)
    TEST_RR(307, sllw, 0x0000000000000002, 1, 33)     /* 33 & 31 = 1 */
    TEST_RR(308, sllw, 0, 0xffffffff00000000, 0)      /* high bits ignored */
    TEST_RR(309, srlw, 0x000000007fffffff, 0xffffffffffffffff, 1)
    TEST_RR(310, srlw, 0xffffffff80000000, 0x0000000080000000, 0)   /* shift 0: sign-extend */
    TEST_RR(311, srlw, 0x0000000000000001, 0x0000000080000000, 63)  /* 63 & 31 = 31 */
    TEST_RR(312, sraw, 0xffffffffc0000000, 0x0000000080000000, 1)
    TEST_RR(313, sraw, 0xffffffffffffffff, 0x0000000080000000, 31)
    TEST_RR(314, sraw, 0x0000000000000000, 0xffffffff7fffffff, 31)
    TEST_RR(315, sraw, 0xffffffff80000000, 0x80000000, 32)          /* 32 & 31 = 0 */
    TEST_RI(316, addiw, 0xffffffff80000000, 0x7fffffff, 1)
    TEST_RI(317, addiw, 0xffffffffffffffff, 0, -1)
    TEST_RI(318, addiw, 0x0000000000000000, 0x00000000ffffffff, 1)
    TEST_RI(319, addiw, 0x0000000012345678, 0xfedcba9812345678, 0)  /* sext.w */
    TEST_RI(320, addiw, 0xffffffff80000000, 0x0000000080000000, 0)
    TEST_RI(321, slliw, 0xffffffff80000000, 1, 31)
    TEST_RI(322, slliw, 0x0000000000000000, 0x100000000, 0)
    TEST_RI(323, srliw, 0x0000000000000001, 0x80000000, 31)
    TEST_RI(324, srliw, 0xffffffff80000000, 0x80000000, 0)
    TEST_RI(325, srliw, 0x000000007fffffff, 0xffffffffffffffff, 1)
    TEST_RI(326, sraiw, 0xffffffffffffffff, 0x80000000, 31)
    TEST_RI(327, sraiw, 0x000000003fffffff, 0xfffffffe7fffffff, 1)

    /* ---- lui / auipc ---- */
    TEST_CASE(401, a0, 0x0000000012345000, lui a0, 0x12345)
    TEST_CASE(402, a0, 0xfffffffff0000000, lui a0, 0xf0000)          /* sign-extended */
    TEST_CASE(403, a0, 0xffffffff80000000, lui a0, 0x80000)
    TEST_CASE(404, a0, 0x000000007ffff000, lui a0, 0x7ffff)
    TEST_CASE(405, a0, 0, lui a0, 0)
    TEST_CASE(406, a0, 0x1000,
        la a1, 2f; 2: auipc a0, 1; sub a0, a0, a1)
    TEST_CASE(407, a0, 0xffffffff80000000,
        la a1, 2f; 2: auipc a0, 0x80000; sub a0, a0, a1)             /* negative offset */
    TEST_CASE(408, a0, 0,
        la a1, 2f; 2: auipc a0, 0; sub a0, a0, a1)

    /* ---- branches ---- */
    TEST_BR_TAKEN(501, beq, 0, 0)
    TEST_BR_TAKEN(502, beq, -1, -1)
    TEST_BR_NOT_TAKEN(503, beq, 0, 1)
    TEST_BR_NOT_TAKEN(504, beq, 0x100000000, 0)
    TEST_BR_TAKEN(505, bne, 0, 1)
    TEST_BR_TAKEN(506, bne, 0x100000000, 0)
    TEST_BR_NOT_TAKEN(507, bne, 5, 5)
    TEST_BR_TAKEN(508, blt, -1, 0)
    TEST_BR_TAKEN(509, blt, 0x8000000000000000, 0x7fffffffffffffff)
    TEST_BR_NOT_TAKEN(510, blt, 0, -1)
    TEST_BR_NOT_TAKEN(511, blt, 1, 1)
    TEST_BR_TAKEN(512, bge, 0, -1)
    TEST_BR_TAKEN(513, bge, 1, 1)
    TEST_BR_TAKEN(514, bge, 0x7fffffffffffffff, 0x8000000000000000)
    TEST_BR_NOT_TAKEN(515, bge, -1, 0)
    TEST_BR_TAKEN(516, bltu, 0, -1)
    TEST_BR_TAKEN(517, bltu, 0x7fffffffffffffff, 0x8000000000000000)
    TEST_BR_NOT_TAKEN(518, bltu, -1, 0)
    TEST_BR_NOT_TAKEN(519, bltu, 3, 3)
    TEST_BR_TAKEN(520, bgeu, -1, 0)
    TEST_BR_TAKEN(521, bgeu, 3, 3)
    TEST_BR_NOT_TAKEN(522, bgeu, 0, -1)
    TEST_BR_NOT_TAKEN(523, bgeu, 0x7fffffffffffffff, 0x8000000000000000)
    /* backward branch */
    TEST_CASE(524, a0, 3,
        li a0, 0; li a1, 3;
        2: addi a0, a0, 1; blt a0, a1, 2b)

    /* ---- jal / jalr ---- */
    TEST_CASE(601, a0, 0,
        la a1, 3f; jal ra, 2f; 3: j fail; 2: sub a0, ra, a1)          /* link = pc + 4 */
    TEST_CASE(602, a0, 0,
        jal zero, 2f; j fail; 2: li a0, 0)                            /* j */
    TEST_CASE(603, a0, 0,
        la a2, 2f; la a1, 3f; jalr ra, 0(a2); 3: j fail; 2: sub a0, ra, a1)
    TEST_CASE(604, a0, 0,
        la a2, 2f; addi a2, a2, 1; jalr ra, 0(a2); j fail; 2: li a0, 0) /* bit 0 cleared */
    TEST_CASE(605, a0, 0,
        la a2, 2f; addi a2, a2, -16; jalr ra, 16(a2); j fail; 2: li a0, 0) /* offset added */
    TEST_CASE(606, a0, 0,
        la a2, 2f; addi a2, a2, 3; jalr ra, -2(a2); j fail; 2: li a0, 0)  /* (a2-... +1) & ~1 */
    /* rd == rs1: the target uses the old value */
    TEST_CASE(607, a0, 0,
        la a1, 2f; la a2, 3f; jalr a1, 0(a1); 3: j fail; 2: sub a0, a1, a2)
    /* jal with rd = t0 (alternate link register) */
    TEST_CASE(608, a0, 0,
        la a1, 3f; jal t0, 2f; 3: j fail; 2: sub a0, t0, a1)

    /* ---- loads: every width, sign/zero extension, word edges ---- */
    TEST_LOAD(701, lb,  0xffffffffffffff80, ldata, 0)
    TEST_LOAD(702, lb,  0x000000000000007f, ldata, 1)
    TEST_LOAD(703, lbu, 0x0000000000000080, ldata, 0)
    TEST_LOAD(704, lbu, 0x00000000000000ff, ldata, 7)
    TEST_LOAD(705, lb,  0xffffffffffffffff, ldata, 7)
    TEST_LOAD(706, lh,  0x0000000000007f80, ldata, 0)
    TEST_LOAD(707, lh,  0xffffffffffff8001, ldata, 2)
    TEST_LOAD(708, lhu, 0x0000000000008001, ldata, 2)
    TEST_LOAD(709, lhu, 0x000000000000ff00, ldata, 6)
    TEST_LOAD(710, lw,  0xffffffff80017f80, ldata, 0)
    TEST_LOAD(711, lwu, 0x0000000080017f80, ldata, 0)
    TEST_LOAD(712, lw,  0xffffffffff007fff, ldata, 4)
    TEST_LOAD(713, lwu, 0x00000000ff007fff, ldata, 4)
    TEST_LOAD(714, ld,  0xff007fff80017f80, ldata, 0)
    TEST_LOAD(715, ld,  0x0123456789abcdef, ldata, 8)
    TEST_LOAD(716, lb,  0xffffffffffffffef, ldata, 8)
    TEST_LOAD(717, lbu, 0x0000000000000001, ldata, 15)
    TEST_LOAD(718, lh,  0x0000000000000123, ldata, 14)
    TEST_LOAD(719, lw,  0x0000000001234567, ldata, 12)
    /* negative offsets */
    TEST_LOAD(720, ld,  0xff007fff80017f80, ldata + 8, -8)
    TEST_LOAD(721, lbu, 0x0000000000000089, ldata + 16, -5)
    /* last word before the end of a page (ldata_page_end sits at a page edge) */
    TEST_LOAD(722, ld,  0x8877665544332211, page_edge, -8)
    TEST_LOAD(723, lw,  0xffffffff88776655, page_edge, -4)
    TEST_LOAD(724, lb,  0xffffffffffffff88, page_edge, -1)
    TEST_LOAD(725, lwu, 0x0000000000ccbbaa, page_edge, 0)
    /* load to x0 is discarded */
    TEST_CASE(726, a0, 0, la a1, ldata; lw zero, 0(a1); mv a0, zero)

    /* ---- stores, read back ---- */
    TEST_STORE(801, lb,  sb, 0xffffffffffffffaa, 0xaa, sdata, 0)
    TEST_STORE(802, lbu, sb, 0x00000000000000aa, 0x12345678aa, sdata, 1)
    TEST_STORE(803, lh,  sh, 0xffffffffffffaabb, 0xaabb, sdata, 2)
    TEST_STORE(804, lhu, sh, 0x000000000000aabb, 0xffffaabb, sdata, 6)
    TEST_STORE(805, lw,  sw, 0xffffffffaabbccdd, 0x11aabbccdd, sdata, 8)
    TEST_STORE(806, lwu, sw, 0x00000000aabbccdd, 0xaabbccdd, sdata, 12)
    TEST_STORE(807, ld,  sd, 0x0123456789abcdef, 0x0123456789abcdef, sdata, 16)
    TEST_STORE(808, ld,  sd, 0xfedcba9876543210, 0xfedcba9876543210, sdata + 32, -8)
    /* narrow stores only change their own bytes */
    TEST_CASE(809, a0, 0x11223344556677ee,
        la a1, sdata; li a2, 0x1122334455667788; sd a2, 0(a1);
        li a3, 0xee; sb a3, 0(a1); ld a0, 0(a1))
    TEST_CASE(810, a0, 0x1122ffff556677ee,
        li a3, -1; sh a3, 4(a1); ld a0, 0(a1))
    TEST_CASE(811, a0, 0x00000000556677ee,
        sw zero, 4(a1); ld a0, 0(a1))
    TEST_CASE(812, a0, 0x00000000556677ee,
        lui a3, 0; ld a0, 0(a1))
    /* store across the last bytes of a page */
    TEST_STORE(813, ld, sd, 0x0102030405060708, 0x0102030405060708, page_edge, -8)
    TEST_STORE(814, lbu, sb, 0x5a, 0x5a, page_edge, -1)
    TEST_STORE(815, lhu, sh, 0xbeef, 0xbeef, page_edge, 0)

    /* ---- fences ---- */
    TEST_CASE(901, a0, 7, fence; fence rw, rw; fence r, w; fence.tso; li a0, 7)
    /* fence.i makes a stored instruction visible: patch "li a0, 1" to "li a0, 2" */
    TEST_CASE(902, a0, 2,
        jal ra, patch_me; li t0, 1; bne a0, t0, fail;
        la a1, patch_me; lw a2, 8(a1); sw a2, 0(a1); fence.i;
        jal ra, patch_me)
    /* writes to x0 are ignored */
    TEST_CASE(903, a0, 0, addi zero, zero, 5; add a0, zero, zero)
    TEST_CASE(904, a0, 0, lui zero, 0x12345; mv a0, zero)
    /* nop */
    TEST_CASE(905, a0, 9, li a0, 9; nop; addi x0, x0, 0)

RVTEST_CODE_END

/* patchable routine (in .text so it is executable) */
    .text
    .balign 4
patch_me:
    li a0, 1
    ret
    li a0, 2        /* copied over the first instruction by test 902 */

RVTEST_DATA_BEGIN
    .balign 16
ldata:
    .byte 0x80, 0x7f, 0x01, 0x80, 0xff, 0x7f, 0x00, 0xff
    .dword 0x0123456789abcdef
sdata:
    .skip 64
    .balign 4096
    .skip 4096 - 8
ldata_page_last:
    .dword 0x8877665544332211
page_edge:
    .word 0x00ccbbaa
    .word 0
RVTEST_DATA_END
