/*
 * Isolation between VMs: fills all of guest RAM after its own image with PATTERN ^ address,
 * reads it all back, and does so again round after round, forever (the daemon's tests run two
 * VMs of it at once, built with different patterns: isolation-a and isolation-b). Any value
 * but its own is a FAIL. Stores past the end of RAM must fault (store access fault), as on
 * QEMU virt. Prints "isolation X: PASS" after the first good round, then keeps going,
 * printing a '.' every round. RAM_END is the end of a 16 MiB guest (--memory 16M; QEMU -m 16M).
 */
#include "guest.h"
#ifndef PATTERN
#define PATTERN 0x4141414141414141
#endif
#ifndef TAG
#define TAG "A"
#endif
#define RAM_END 0x81000000
#define CAUSE_STORE_ACCESS 7

	.option norvc
	GUEST_START
	PUTS	m_start

	/* A store just past RAM and one far above it: both fault, nothing else happens. */
	li	s3, 0
	la	s6, 1f
	li	t2, RAM_END
	sd	zero, 0(t2)
1:	EXPECT	s3, CAUSE_STORE_ACCESS, m_past
	li	s3, 0
	la	s6, 1f
	li	t2, 0x100000000
	sd	zero, 0(t2)
1:	EXPECT	s3, CAUSE_STORE_ACCESS, m_past

	li	s1, PATTERN
	li	s7, 0			/* rounds done */
round:
	/* Fill [image_end, RAM_END) with PATTERN ^ address. */
	la	t2, image_end
	li	t3, RAM_END
1:	xor	t4, t2, s1
	sd	t4, 0(t2)
	addi	t2, t2, 8
	bltu	t2, t3, 1b
	/* Read it back. */
	la	t2, image_end
1:	ld	t4, 0(t2)
	xor	t4, t4, s1
	bne	t4, t2, bad
	addi	t2, t2, 8
	bltu	t2, t3, 1b
	addi	s7, s7, 1
	li	t1, 1
	bne	s7, t1, again
	PUTS	m_pass
	j	round
again:	PUTS	m_dot		/* (PUTS uses the local labels 1 and 2) */
	j	round

bad:
	PUTS	m_fail
	SHUTDOWN 1

	/* The trap handler: scause in s3, then on at s6. */
	.align	2
trap:
	csrr	s3, scause
	csrw	sepc, s6
	sret

	.data
m_start:	.asciz "isolation " TAG ": filling RAM\n"
m_past:		.asciz "isolation " TAG ": FAIL a store past RAM did not fault\n"
m_pass:		.asciz "isolation " TAG ": PASS\n"
m_fail:		.asciz "isolation " TAG ": FAIL another value in my RAM\n"
m_dot:		.asciz "."
	.balign	4096
image_end:
