/*
 * Linked at 0x80200000 and turned into a raw binary (objcopy -O binary): no ELF header, no
 * Image header. QEMU -kernel loads such a file at 0x80200000 and OpenSBI jumps there; the
 * guest checks that it runs where it was linked.
 */
#include "guest.h"
	.option norvc
	.text
	.globl	_start
_start:
	auipc	t0, 0
	li	t1, 0x80200000
	EXPECT_EQ t0, t1, m_where
	PUTS	m_pass
	SHUTDOWN 0

	.data
m_where:	.asciz "FAIL not loaded at 0x80200000\n"
m_pass:		.asciz "raw: PASS\n"
