/*
 * Instructions a hypervisor may emulate retire like any other: between two rdinstret the
 * kernel runs 16 instructions, of which 8 are CSR accesses, SFENCE.VMA and SRET (the ones
 * classic trap-and-emulate carries out in software). QEMU 7.2 + OpenSBI with
 * `-icount shift=0` (instret counts instructions there) reads 17: the 16 and the first
 * rdinstret. It prints "instret: PASS" when the difference is 17.
 *
 * Then a WFI at `instret_wfi` that returns at once (a timer interrupt pending and enabled in
 * sie, not taken with sstatus.SIE = 0), for a debugger to step over: it retires too (the
 * privileged spec's WFI raises no exception). QEMU's instret across it also counts the time
 * the hart slept, so it is not compared here.
 */
#include "guest.h"
	.option norvc
	GUEST_START
	la	t2, 1f
	li	t3, 0x100			/* sstatus.SPP: sret stays in S-mode */
	rdinstret s0
	csrr	t0, sstatus			/* 1 */
	csrw	sscratch, t0			/* 2 */
	csrr	t1, sscratch			/* 3 */
	csrs	sstatus, t3			/* 4 */
	csrw	sepc, t2			/* 5 */
	sfence.vma				/* 6 */
	csrr	t0, sie				/* 7 */
	addi	t1, t1, 1			/* 8 */
	addi	t1, t1, 2			/* 9 */
	add	t1, t1, t0			/* 10 */
	csrr	t0, stval			/* 11 */
	nop					/* 12 */
	nop					/* 13 */
	nop					/* 14 */
	sret					/* 15 */
1:	nop					/* 16 */
	rdinstret s1
	sub	s2, s1, s0
	EXPECT	s2, 17, m_fail

	csrw	stimecmp, zero			/* STIP pending */
	li	t0, 1 << 5			/* enabled in sie: WFI returns; SIE = 0: not taken */
	csrw	sie, t0
	.globl	instret_wfi
	.type	instret_wfi, @function
instret_wfi:
	wfi
	csrw	sie, zero
	PUTS	m_pass
	SHUTDOWN 0

	TRAP_HANDLER

	.data
m_fail:	.asciz "instret: FAIL\n"
m_pass:	.asciz "instret: PASS\n"
