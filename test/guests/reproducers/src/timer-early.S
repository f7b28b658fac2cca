/*
 * What kvm-unit-tests' "sbi: time: set_timer: timer delay honored" does: read time (begin),
 * SBI set_timer(begin + d), then spin on `rdtime end; lbu flag; beqz` until the timer
 * interrupt's handler sets the flag, and check end - begin >= d. A hart that takes the
 * interrupt right after an rdtime that returned a time before the comparator fails it (the
 * guest saw the interrupt before it could read the comparator's time). Twenty delays, so
 * the loop's three instructions meet every alignment of the interrupt check to the 10
 * instructions of an icount tick. Prints "timer-early: PASS", or FAIL with the delay.
 */
#include "guest.h"
	.option norvc
#define SBI_TIME	0x54494d45
#define STIE		0x20
	GUEST_START
	li	t0, STIE
	csrs	sie, t0
	csrsi	sstatus, 2		/* SIE */
	la	s2, flag
	li	s3, 100			/* delay d, in ticks */
	li	s4, 120
next:
	sb	zero, 0(s2)
	rdtime	s7			/* begin */
	add	a0, s7, s3
	li	a6, 0
	li	a7, SBI_TIME
	ecall				/* set_timer(begin + d) */
1:	rdtime	s1			/* end */
	lbu	a5, 0(s2)
	beqz	a5, 1b
	sub	t0, s1, s7
	bltu	t0, s3, early		/* end - begin < d */
	addi	s3, s3, 1
	bltu	s3, s4, next
	csrci	sstatus, 2
	PUTS	m_pass
	SHUTDOWN 0
early:
	PUTS	m_early
	li	t1, 10			/* d in decimal: 1xy */
	addi	t2, s3, -100
	li	a7, SBI_PUTCHAR
	li	a0, '1'
	ecall
	divu	a0, t2, t1
	addi	a0, a0, '0'
	ecall
	remu	a0, t2, t1
	addi	a0, a0, '0'
	ecall
	li	a0, '\n'
	ecall
	SHUTDOWN 1

	/* The timer interrupt: flag = 1, timer off (uses only t0, a0, a6, a7 and sscratch). */
	.align	2
trap:
	csrr	t0, scause
	bgez	t0, bad			/* not an interrupt */
	slli	t0, t0, 1
	li	a0, 5 << 1		/* supervisor timer */
	bne	t0, a0, bad
	li	t0, 1
	sb	t0, 0(s2)
	li	a0, -1
	li	a6, 0
	li	a7, SBI_TIME
	ecall				/* set_timer(-1): no more interrupts */
	sret
bad:
	PUTS	m_bad
	SHUTDOWN 1

	.data
flag:		.byte 0
m_early:	.asciz "timer-early: FAIL interrupt after an rdtime before the comparator, d = "
m_bad:		.asciz "timer-early: FAIL unexpected trap\n"
m_pass:		.asciz "timer-early: PASS\n"
