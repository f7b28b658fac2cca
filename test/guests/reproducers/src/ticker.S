/*
 * A counter for live migration: prints "tick N" for N = 0, 1, 2... without end, and before
 * each tick stores N into the first word of each of 64 pages of a buffer, so every pre-copy
 * round finds pages dirty. A migrated guest must go on with the next N: no gap, no repeat.
 * Between ticks a delay loop of 4 M instructions.
 */
#include "guest.h"
#define DIRTY_PAGES 64
#define DELAY 2000000
	.text
	.globl	_start
_start:
	li	s0, 0
tick:
	la	t0, buffer
	li	t1, DIRTY_PAGES
	li	t2, 4096
1:	sd	s0, 0(t0)
	add	t0, t0, t2
	addi	t1, t1, -1
	bnez	t1, 1b

	PUTS	m_tick
	/* N in decimal, built backwards in `digits` (SBI calls keep the t registers). */
	mv	t3, s0
	la	t4, digits_end
	li	t5, 10
2:	remu	t6, t3, t5
	addi	t6, t6, '0'
	addi	t4, t4, -1
	sb	t6, 0(t4)
	divu	t3, t3, t5
	bnez	t3, 2b
	la	t5, digits_end
3:	lbu	a0, 0(t4)
	li	a7, SBI_PUTCHAR
	ecall
	addi	t4, t4, 1
	bltu	t4, t5, 3b
	li	a0, '\n'
	li	a7, SBI_PUTCHAR
	ecall

	li	t1, DELAY
4:	addi	t1, t1, -1
	bnez	t1, 4b
	addi	s0, s0, 1
	j	tick

	.data
m_tick:		.asciz "tick "
digits:		.space 24
digits_end:
	.bss
	.balign 4096
buffer:		.space DIRTY_PAGES * 4096
