/*
 * rv64m.S - M extension (unprivileged spec, "M" Extension for Integer
 * Multiplication and Division). Division by zero gives quotient -1 (all ones)
 * and remainder = dividend; signed overflow (INT_MIN / -1) gives quotient
 * INT_MIN and remainder 0; no trap in either case.
 * Cases 1xx: mul*, 2xx: mulw, 3xx: div/divu, 4xx: rem/remu, 5xx: *w forms.
 */
#include "test.h"

#define MIN64 0x8000000000000000
#define MAX64 0x7fffffffffffffff

RVTEST_CODE_BEGIN

    /* ---- mul: low 64 bits ---- */
    TEST_RR(101, mul, 0, 0, 12345)
    TEST_RR(102, mul, 42, 6, 7)
    TEST_RR(103, mul, -42, -6, 7)
    TEST_RR(104, mul, 42, -6, -7)
    TEST_RR(105, mul, 0xfffffffe00000001, 0xffffffff, 0xffffffff)
    TEST_RR(106, mul, 1, -1, -1)
    TEST_RR(107, mul, MIN64, MIN64, -1)               /* wraps */
    TEST_RR(108, mul, 0x0000000000000000, 0x100000000, 0x100000000)
    TEST_RR(109, mul, 0x2236d88fe5618cf0, 0x123456789abcdef0, 0x0fedcba987654321)
    TEST_RR_SAME(110, mul, 0x0000000000000009, 3)

    /* ---- mulh: high 64 bits of signed x signed ---- */
    TEST_RR(111, mulh, 0, 6, 7)
    TEST_RR(112, mulh, -1, -6, 7)                     /* -42: high part all ones */
    TEST_RR(113, mulh, 0, -1, -1)
    TEST_RR(114, mulh, 0x4000000000000000, MIN64, MIN64)
    TEST_RR(115, mulh, 0xc000000000000000, MIN64, MAX64)
    TEST_RR(116, mulh, 0x3fffffffffffffff, MAX64, MAX64)
    TEST_RR(117, mulh, 0x0000000000000001, 0x100000000, 0x100000000)
    TEST_RR(118, mulh, 0x014b66dc33f6acdc, 0x123456789abcdef0, 0x123456789abcdef0)

    /* ---- mulhu: unsigned x unsigned ---- */
    TEST_RR(119, mulhu, 0xfffffffffffffffe, -1, -1)
    TEST_RR(120, mulhu, 0, -1, 1)
    TEST_RR(121, mulhu, 0x4000000000000000, MIN64, MIN64)
    TEST_RR(122, mulhu, 0x7ffffffffffffffe, MIN64, 0xfffffffffffffffc)
    TEST_RR(123, mulhu, 0x0000000000000001, 0x100000000, 0x100000000)

    /* ---- mulhsu: signed rs1 x unsigned rs2 ---- */
    TEST_RR(124, mulhsu, 0xffffffffffffffff, -1, -1)  /* -1 * (2^64-1) */
    TEST_RR(125, mulhsu, 0xffffffffffffffff, -1, 1)
    TEST_RR(126, mulhsu, 0x7ffffffffffffffe, MAX64, -1)
    TEST_RR(127, mulhsu, 0xc000000000000000, MIN64, MIN64)
    TEST_RR(128, mulhsu, 0x0000000000000000, 1, -1)
    TEST_RR(129, mulhsu, 0x8000000000000000, MIN64, -1)

    /* ---- mulw: low 32 bits of the product, sign-extended ---- */
    TEST_RR(201, mulw, 42, 6, 7)
    TEST_RR(202, mulw, 0xffffffff80000000, 0x40000000, 2)
    TEST_RR(203, mulw, 1, 0xffffffff, 0xffffffff)
    TEST_RR(204, mulw, 0, 0x100000000, 5)              /* high input bits ignored */
    TEST_RR(205, mulw, 0xffffffff91a2b3c0, 0x1234567812345678, 0x8)
    TEST_RR(206, mulw, 0xffffffff80000000, 0x80000000, 0xffffffffffffffff) /* INT32_MIN * -1 */

    /* ---- div / divu ---- */
    TEST_RR(301, div, 3, 20, 6)
    TEST_RR(302, div, -3, -20, 6)                      /* rounds towards zero */
    TEST_RR(303, div, -3, 20, -6)
    TEST_RR(304, div, 3, -20, -6)
    TEST_RR(305, div, -1, 20, 0)                       /* by zero */
    TEST_RR(306, div, -1, 0, 0)
    TEST_RR(307, div, MIN64, MIN64, -1)                /* overflow */
    TEST_RR(308, div, MIN64, MIN64, 1)
    TEST_RR(309, div, 0, 5, 6)
    TEST_RR(310, divu, 3, 20, 6)
    TEST_RR(311, divu, 0x2aaaaaaaaaaaaaa7, -20, 6)
    TEST_RR(312, divu, 0, 20, -6)
    TEST_RR(313, divu, 0xffffffffffffffff, 20, 0)      /* by zero: 2^64-1 */
    TEST_RR(314, divu, 0, MIN64, -1)
    TEST_RR(315, divu, 1, -1, -1)
    TEST_RR(316, divu, 0x0000000100000000, 0x0000000100000000, 1)

    /* ---- rem / remu: sign follows the dividend ---- */
    TEST_RR(401, rem, 2, 20, 6)
    TEST_RR(402, rem, -2, -20, 6)
    TEST_RR(403, rem, 2, 20, -6)
    TEST_RR(404, rem, -2, -20, -6)
    TEST_RR(405, rem, 20, 20, 0)                       /* by zero: dividend */
    TEST_RR(406, rem, -20, -20, 0)
    TEST_RR(407, rem, 0, MIN64, -1)                    /* overflow: 0 */
    TEST_RR(408, rem, 0, 18, 6)
    TEST_RR(409, remu, 2, 20, 6)
    TEST_RR(410, remu, 2, -20, 6)                      /* (2^64-20) mod 6 = 2 */
    TEST_RR(411, remu, 20, 20, -6)
    TEST_RR(412, remu, 0xffffffffffffffec, -20, 0)     /* by zero: dividend */
    TEST_RR(413, remu, MIN64, MIN64, -1)
    TEST_RR(414, remu, 0, -1, -1)

    /* ---- *w forms: 32-bit operands, 32-bit result sign-extended ---- */
    TEST_RR(501, divw, 3, 20, 6)
    TEST_RR(502, divw, -3, -20, 6)
    TEST_RR(503, divw, -1, 20, 0)                      /* by zero */
    TEST_RR(504, divw, 0xffffffff80000000, 0x80000000, -1)  /* overflow: INT32_MIN */
    TEST_RR(505, divw, 3, 0xffffffff00000014, 0x1234567800000006) /* high bits ignored */
    TEST_RR(506, divw, -1, 0x100000000, 0)             /* 0 / 0 */
    TEST_RR(507, divuw, 0x000000002aaaaaa7, -20, 6)
    TEST_RR(508, divuw, 0xffffffffffffffff, 20, 0)     /* by zero: all ones (sign-extended) */
    TEST_RR(509, divuw, 0xffffffff80000000, 0x80000000, 1)  /* result sign-extended */
    TEST_RR(510, divuw, 0, 0x80000000, -1)
    TEST_RR(511, divuw, 1, 0xffffffffffffffff, 0x00000000ffffffff)
    TEST_RR(512, remw, 2, 20, 6)
    TEST_RR(513, remw, -2, -20, 6)
    TEST_RR(514, remw, 20, 20, 0)                      /* by zero: dividend */
    TEST_RR(515, remw, 0xffffffff80000000, 0x80000000, 0)  /* dividend, sign-extended */
    TEST_RR(516, remw, 0, 0x80000000, -1)              /* overflow: 0 */
    TEST_RR(517, remw, 2, 0xffffffff00000014, 6)       /* high bits ignored */
    TEST_RR(518, remuw, 2, -20, 6)                     /* 0xffffffec mod 6 = 2 */
    TEST_RR(519, remuw, 0xffffffffffffffec, -20, 0)    /* by zero: dividend[31:0] sign-extended */
    TEST_RR(520, remuw, 0xffffffff80000000, 0x80000000, -1)
    TEST_RR(521, remuw, 0, 0x100000000, 0x100000000)   /* 0 mod 0 = 0 */

    /* ---- rd aliasing a source ---- */
    TEST_CASE(601, a1, 4, li a1, 20; li a2, 5; div a1, a1, a2)
    TEST_CASE(602, a2, 0, li a1, 20; li a2, 5; rem a2, a1, a2)
    TEST_CASE(603, zero, 0, li a1, 20; li a2, 5; mul zero, a1, a2)

RVTEST_CODE_END

RVTEST_DATA_BEGIN
RVTEST_DATA_END
