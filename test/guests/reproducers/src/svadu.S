/*
 * Page tables without A/D bits, as xv6 builds them: the hart sets A on the first access
 * through a PTE, and D on the first store, instead of faulting (Svadu; QEMU 7 always did).
 * The code runs from an identity gigapage (V R W X, no A/D) right after `csrw satp`; a 4 KiB
 * page at VA 0x40000000 (V R W, no A/D) is loaded from, then stored to.
 */
#include "guest.h"
	.option norvc
	GUEST_START
	/* root[2]: gigapage VA 0x80000000 -> PA 0x80000000, V R W X. */
	la	s0, root
	li	t0, (0x80000000 >> 12) << 10 | 0xf
	sd	t0, 16(s0)
	/* root[1] -> mid, mid[0] -> leaf, leaf[0]: VA 0x40000000 -> data, V R W. */
	la	t1, mid
	srli	t1, t1, 12
	slli	t1, t1, 10
	ori	t1, t1, 1
	sd	t1, 8(s0)
	la	s1, mid
	la	t1, leaf
	srli	t1, t1, 12
	slli	t1, t1, 10
	ori	t1, t1, 1
	sd	t1, 0(s1)
	la	s2, leaf
	la	t1, data
	srli	t1, t1, 12
	slli	t1, t1, 10
	ori	t1, t1, 7
	sd	t1, 0(s2)

	srli	t0, s0, 12
	li	t1, 8 << 60		/* Sv39 */
	or	t0, t0, t1
	sfence.vma
	csrw	satp, t0
	sfence.vma
	/* Running: the gigapage has A (fetches), not D (nothing stored through it yet). */
	ld	t2, 16(s0)
	andi	t2, t2, 0xc0
	EXPECT	t2, 0x40, m_giga

	li	s3, 0x40000000
	ld	t2, 0(s2)
	andi	t2, t2, 0xc0
	EXPECT	t2, 0, m_untouched
	lw	t3, 0(s3)		/* a load sets A */
	EXPECT	t3, 0x5a, m_value
	ld	t2, 0(s2)
	andi	t2, t2, 0xc0
	EXPECT	t2, 0x40, m_load
	li	t3, 0x77
	sw	t3, 0(s3)		/* a store sets D */
	ld	t2, 0(s2)
	andi	t2, t2, 0xc0
	EXPECT	t2, 0xc0, m_store
	la	t4, data
	lw	t3, 0(t4)
	EXPECT	t3, 0x77, m_stored

	PUTS	m_pass
	SHUTDOWN 0

	TRAP_HANDLER

	.data
	.align	12
root:	.zero	4096
mid:	.zero	4096
leaf:	.zero	4096
data:	.word	0x5a
	.align	12
m_giga:		.asciz "FAIL the code gigapage is not A=1 D=0\n"
m_untouched:	.asciz "FAIL the data PTE has A/D before any access\n"
m_value:	.asciz "FAIL the load read the wrong value\n"
m_load:		.asciz "FAIL a load did not set A alone\n"
m_store:	.asciz "FAIL a store did not set D\n"
m_stored:	.asciz "FAIL the store did not reach the page\n"
m_pass:		.asciz "svadu: PASS\n"
