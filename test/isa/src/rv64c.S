/*
 * rv64c.S - C extension (unprivileged spec, "C" Extension for Compressed
 * Instructions), RV64C forms. Every instruction under test is written with its
 * explicit c.* mnemonic, so the assembler either emits the 16-bit encoding or
 * refuses to assemble (check with `make dump`: they are 2-byte instructions).
 * Cases 1xx: stack-pointer based, 2xx: register-based loads/stores (x8-x15),
 * 3xx: constants and immediates, 4xx: register-register, 5xx: control transfer,
 * 6xx: c.ebreak (bare only).
 */
#include "test.h"

    .option rvc
RVTEST_CODE_BEGIN

    /* ---- sp-based ---- */
    TEST_CASE(101, a0, 16, c.addi4spn a0, sp, 16; sub a0, a0, sp)
    TEST_CASE(102, a1, 1020, c.addi4spn a1, sp, 1020; sub a1, a1, sp)
    TEST_CASE(103, a0, 0xffffffffdeadbeef,
        addi sp, sp, -256; li a1, 0xdeadbeef; c.swsp a1, 12(sp); c.lwsp a0, 12(sp))
    TEST_CASE(104, a0, 0x0123456789abcdef,
        li a1, 0x0123456789abcdef; c.sdsp a1, 248(sp); c.ldsp a0, 248(sp))
    TEST_CASE(105, a0, 0x0000000076543210,
        li a1, 0x76543210; c.swsp a1, 252(sp); c.lwsp a0, 252(sp); addi sp, sp, 256)
    TEST_CASE(106, a0, -64,
        mv a1, sp; c.addi16sp sp, -64; sub a0, sp, a1; c.addi16sp sp, 64)
    TEST_CASE(107, a0, 496,
        mv a1, sp; c.addi16sp sp, 496; sub a0, sp, a1; c.addi16sp sp, -496)
    TEST_CASE(108, a0, 0xfffffffffffffe00,
        mv a1, sp; c.addi16sp sp, -512; sub a0, sp, a1; c.addi16sp sp, 496; c.addi16sp sp, 16)
    /* c.ldsp / c.sdsp with a register outside x8-x15 */
    TEST_CASE(109, t3, 0x1122334455667788,
        addi sp, sp, -16; li t4, 0x1122334455667788; c.sdsp t4, 8(sp); c.ldsp t3, 8(sp);
        addi sp, sp, 16)

    /* ---- c.lw / c.ld / c.sw / c.sd (x8-x15, scaled offsets) ---- */
    TEST_CASE(201, a0, 0xffffffff80000000, la s0, cdata; c.lw a0, 0(s0))
    TEST_CASE(202, a0, 0x000000007fffffff, c.lw a0, 4(s0))
    TEST_CASE(203, a0, 0x7fffffff80000000, c.ld a0, 0(s0))
    TEST_CASE(204, a0, 0xffffffffffffffff, c.ld a0, 8(s0))
    TEST_CASE(205, a2, 0xffffffffcafef00d,
        la a5, cdata_w; li a3, 0x12345678cafef00d; c.sw a3, 124(a5); c.lw a2, 124(a5))
    TEST_CASE(206, a2, 0xfedcba9876543210,
        li a3, 0xfedcba9876543210; c.sd a3, 248(a5); c.ld a2, 248(a5))
    TEST_CASE(207, a4, 0x55, li s1, 0x55; c.sd s1, 0(a5); c.ld a4, 0(a5))

    /* ---- constants and immediates ---- */
    TEST_CASE(301, a0, -32, c.li a0, -32)
    TEST_CASE(302, a0, 31, c.li a0, 31)
    TEST_CASE(303, t0, 0, li t0, 5; c.li t0, 0)
    TEST_CASE(304, a0, 0x1000, c.lui a0, 1)
    TEST_CASE(305, a0, 0x1f000, c.lui a0, 0x1f)
    TEST_CASE(306, a0, 0xfffffffffffff000, c.lui a0, 0xfffff)         /* nzimm = -1 */
    TEST_CASE(307, a0, 0xfffffffffffe0000, c.lui a0, 0xfffe0)         /* nzimm = -32 */
    TEST_CASE(308, a0, 0, li a0, 32; c.addi a0, -32)
    TEST_CASE(309, a0, 0x8000000000000000, li a0, 0x7fffffffffffffff; c.addi a0, 1)
    TEST_CASE(310, a0, 0xffffffff80000000, li a0, 0x7fffffff; c.addiw a0, 1)   /* sign-extended */
    TEST_CASE(311, a0, 0x0000000012345678, li a0, 0xabcdef0012345678; c.addiw a0, 0) /* sext.w */
    TEST_CASE(312, a0, 0xffffffffffffffe0, li a0, 0xffffffff; c.addiw a0, -31)
    TEST_CASE(313, a0, 0x8000000000000000, li a0, 1; c.slli a0, 63)
    TEST_CASE(314, t5, 0xffffffff00000000, li t5, 0xffffffff; c.slli t5, 32)
    TEST_CASE(315, a0, 1, li a0, 0x8000000000000000; c.srli a0, 63)
    TEST_CASE(316, a0, 0x00000000ffffffff, li a0, -1; c.srli a0, 32)
    TEST_CASE(317, a0, 0xffffffffffffffff, li a0, 0x8000000000000000; c.srai a0, 63)
    TEST_CASE(318, a0, 0xfffffffff8000000, li a0, 0xffffffff80000000; c.srai a0, 4)
    TEST_CASE(319, a0, 0x00000000000000e0, li a0, 0xff; c.andi a0, -32)
    TEST_CASE(320, a0, 0x0000000000000015, li a0, 0xfffffffffffffff5; c.andi a0, 31)
    TEST_CASE(321, a0, 5, li a0, 5; c.nop; c.nop)

    /* ---- register-register (c.sub..c.addw: x8-x15; c.mv, c.add: any) ---- */
    TEST_CASE(401, a0, 0xffffffffffffffff, li a0, 0; li a1, 1; c.sub a0, a1)
    TEST_CASE(402, a0, 0xf0f0f0f0f0f0f0f0, li a0, 0xff00ff00ff00ff00; li a1, 0x0ff00ff00ff00ff0; c.xor a0, a1)
    TEST_CASE(403, a0, 0xfff0fff0fff0fff0, li a0, 0xff00ff00ff00ff00; c.or a0, a1)
    TEST_CASE(404, a0, 0x0f000f000f000f00, li a0, 0xff00ff00ff00ff00; c.and a0, a1)
    TEST_CASE(405, a0, 0xffffffff80000000, li a0, 0x7fffffff; li a1, 1; c.addw a0, a1)
    TEST_CASE(406, a0, 0x000000007fffffff, li a0, 0x80000000; c.subw a0, a1)
    TEST_CASE(407, a0, 0, li a0, 0x100000000; li a1, 0x200000000; c.subw a0, a1)
    TEST_CASE(408, s1, 0x8000000000000000, li s1, 0x7fffffffffffffff; li s0, 1; c.add s1, s0)
    TEST_CASE(409, t3, 0x123456789, li t4, 0x123456789; c.mv t3, t4)
    TEST_CASE(410, ra, 3, li ra, 1; li t2, 2; c.add ra, t2)

    /* ---- control transfer ---- */
    TEST_CASE(501, a0, 1, li a0, 0; c.j 2f; c.li a0, 9; 2: c.addi a0, 1)
    TEST_CASE(502, a0, 1, li a0, 0; li a1, 0; c.beqz a1, 2f; j fail; 2: c.li a0, 1)
    TEST_CASE(503, a0, 1, li a0, 1; li a1, 5; c.beqz a1, 2f; j 3f; 2: j fail; 3: nop)
    TEST_CASE(504, a0, 1, li a0, 1; li a1, 0x100000000; c.bnez a1, 2f; j fail; 2: nop)
    TEST_CASE(505, a0, 1, li a0, 1; li a1, 0; c.bnez a1, 2f; j 3f; 2: j fail; 3: nop)
    /* backward compressed branch */
    TEST_CASE(506, a0, 4, li a0, 0; li a1, 4; 2: c.addi a0, 1; c.addi a1, -1; c.bnez a1, 2b)
    /* c.jr: to a 2-byte aligned (not 4-byte aligned) target */
    TEST_CASE(507, a0, 2, la t1, c_target_half; li a0, 0; c.jr t1; j fail; .global back_507; back_507: nop)
    /* c.jalr: link = pc + 2 */
    TEST_CASE(508, a0, 0,
        la t1, c_ret_ra; la a1, 2f; c.jalr t1; 2: sub a0, a0, a1)
    /* a 32-bit jalr to a 2-byte aligned address; its link is pc + 4 */
    TEST_CASE(509, a0, 0,
        la t1, c_ret_ra; la a1, 2f; .option push; .option norvc; jalr ra, 0(t1); .option pop;
        2: sub a0, a0, a1)
    /* c.jr ra: the ordinary return */
    TEST_CASE(510, a0, 42, call c_fn42)

#ifdef BARE
    /* ---- c.ebreak: breakpoint, cause 3, mepc = its address; mtval is 0 or the pc ---- */
    TEST_CASE(601, a0, 1,
        la a1, 2f; ARM_TRAP(3f); 2: c.ebreak; j fail;
        3: li t0, CAUSE_BREAKPOINT; bne s10, t0, fail; bne s9, a1, fail;
        beqz s11, 4f; bne s11, a1, fail; 4: li a0, 1)
    /* a 32-bit instruction right after a 16-bit one at a 2-mod-4 address */
    TEST_CASE(602, a0, 7, .balign 4; c.nop; .option push; .option norvc; addi a0, zero, 7; .option pop)
#else
    TEST_CASE(602, a0, 7, .balign 4; c.nop; .option push; .option norvc; addi a0, zero, 7; .option pop)
#endif

RVTEST_CODE_END

    .text
    .balign 4
    c.nop
c_target_half:              /* address = 2 mod 4 */
    c.li a0, 2
    j back_507
    .balign 4
    c.nop
c_ret_ra:                   /* returns its link register in a0; 2 mod 4 */
    c.mv a0, ra
    c.jr ra
c_fn42:
    c.li a0, 21
    c.add a0, a0
    c.jr ra

RVTEST_DATA_BEGIN
    .balign 16
cdata:
    .word 0x80000000, 0x7fffffff
    .dword 0xffffffffffffffff
    .balign 16
cdata_w:
    .skip 256
RVTEST_DATA_END
