/*
 * The UART and PLIC as xv6-riscv drives them on one hart: THR-empty interrupts enabled
 * (IER = TX | RX), PLIC source 10 enabled for hart 0's S context; the trap handler claims and
 * completes but never reads IIR, and nothing is left to send. Then three bytes go through THR.
 * QEMU 7.2 takes one interrupt when the PLIC is enabled (IER's THRI went up while THR was
 * empty) and one per byte sent: 4. Prints the number of claims.
 */
#include "guest.h"
	.option norvc
#define UART		0x10000000
#define PLIC		0x0c000000
#define PLIC_SENABLE	0x0c002080	/* context 1: hart 0, S-mode */
#define PLIC_STHRESH	0x0c201000
#define PLIC_SCLAIM	0x0c201004
	GUEST_START
	li	s0, 0			/* claims */
	li	s1, UART
	sb	zero, 1(s1)		/* IER = 0 */
	li	t0, 0x80
	sb	t0, 3(s1)		/* LCR: divisor latch */
	li	t0, 3
	sb	t0, 0(s1)
	sb	zero, 1(s1)
	li	t0, 3
	sb	t0, 3(s1)		/* LCR: 8 bits */
	li	t0, 7
	sb	t0, 2(s1)		/* FCR: FIFOs on and cleared */
	li	t0, 3
	sb	t0, 1(s1)		/* IER: TX | RX */

	li	t0, PLIC + 4 * 10
	li	t1, 1
	sw	t1, 0(t0)		/* priority of source 10 */
	li	t0, PLIC_SENABLE
	li	t1, 1 << 10
	sw	t1, 0(t0)
	li	t0, PLIC_STHRESH
	sw	zero, 0(t0)
	li	t0, 0x200
	csrs	sie, t0			/* SEIE */
	csrsi	sstatus, 2		/* SIE */
	call	wait

	li	s2, 3
1:	lbu	t0, 5(s1)		/* LSR: wait for THRE, as uartstart does */
	andi	t0, t0, 0x20
	beqz	t0, 1b
	li	t0, '.'
	sb	t0, 0(s1)
	call	wait
	addi	s2, s2, -1
	bnez	s2, 1b
	csrci	sstatus, 2

	PUTS	m_claims
	mv	a0, s0
	call	putnum
	PUTS	m_nl
	li	t0, 4
	bne	s0, t0, 9f		/* (PUTS and SHUTDOWN use labels 1 to 6) */
	PUTS	m_pass
	SHUTDOWN 0
9:	PUTS	m_fail
	SHUTDOWN 1

/* About a million instructions with interrupts open. */
wait:	li	t0, 300000
1:	addi	t0, t0, -1
	bnez	t0, 1b
	ret

/* Prints a0 in decimal (clobbers a0, a1, a7, t0, t1). */
putnum:	la	t0, digits + 20
	li	t1, 10
1:	addi	t0, t0, -1
	remu	a1, a0, t1
	addi	a1, a1, '0'
	sb	a1, 0(t0)
	divu	a0, a0, t1
	bnez	a0, 1b
2:	lbu	a0, 0(t0)
	beqz	a0, 3f
	li	a7, SBI_PUTCHAR
	ecall
	addi	t0, t0, 1
	j	2b
3:	ret

	.align	2
trap:	csrr	s3, scause
	bgez	s3, bad			/* an exception: not expected */
	li	s4, PLIC_SCLAIM
	lw	s3, 0(s4)
	beqz	s3, 1f
	addi	s0, s0, 1
	sw	s3, 0(s4)		/* complete; IIR is never read */
1:	sret
bad:	PUTS	m_exc
	SHUTDOWN 1

	.data
m_claims:	.asciz "\nuart-plic: claims "
m_nl:		.asciz "\n"
m_pass:		.asciz "uart-plic: PASS\n"
m_fail:		.asciz "uart-plic: FAIL (QEMU: 4)\n"
m_exc:		.asciz "FAIL unexpected exception\n"
digits:		.space	21
