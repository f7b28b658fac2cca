/*
 * A kernel that writes known values to its supervisor CSRs, reads each back into a register
 * (s1..s10) and stops at `csr_view_stop`, so a debugger stopped there can compare its Guest
 * CSRs with what the guest itself read: sstatus (SUM and MXR set), sie (SSIE, STIE, SEIE),
 * sip, stvec, sscratch, sepc, scause, stval, satp (Sv39, ASID 5, a root table mapping
 * 0x80000000 as a gigapage) and stimecmp. Then it reads sscratch again into s11 and stops at
 * `csr_view_read` (a debugger that changed sscratch sees its value there). It prints PASS on
 * QEMU 7.2 + OpenSBI.
 */
#include "guest.h"
	.option norvc
	GUEST_START
	li	t0, (1 << 18) | (1 << 19)	/* sstatus.SUM, sstatus.MXR */
	csrs	sstatus, t0
	li	t0, 0x12345678abcdef01
	csrw	sscratch, t0
	li	t0, 0x80201234
	csrw	sepc, t0
	li	t0, 13
	csrw	scause, t0
	li	t0, 0xdeadbeef
	csrw	stval, t0
	li	t0, -1
	csrw	stimecmp, t0		/* no timer interrupt while sie.STIE is set */
	li	t0, (1 << 1) | (1 << 5) | (1 << 9)
	csrw	sie, t0
	la	t0, root		/* satp: MODE 8 (Sv39), ASID 5, PPN of root */
	srli	t0, t0, 12
	li	t1, (8 << 60) | (5 << 44)
	or	t0, t0, t1
	csrw	satp, t0
	sfence.vma
	csrr	s1, sstatus
	csrr	s2, sie
	csrr	s3, sip
	csrr	s4, stvec
	csrr	s5, sscratch
	csrr	s6, sepc
	csrr	s7, scause
	csrr	s8, stval
	csrr	s9, satp
	csrr	s10, stimecmp
	.globl	csr_view_stop
	.type	csr_view_stop, @function
csr_view_stop:
	nop
	csrr	s11, sscratch		/* again: a debugger may have changed it at the stop */
	.globl	csr_view_read
	.type	csr_view_read, @function
csr_view_read:
	li	t0, 0x12345678abcdef01
	EXPECT_EQ s5, t0, m_fail
	EXPECT_EQ s11, t0, m_fail
	PUTS	m_pass
	SHUTDOWN 0

	TRAP_HANDLER

	.data
m_fail:	.asciz "csr-view: FAIL\n"
m_pass:	.asciz "csr-view: PASS\n"
	.align	12
root:	.dword	0, 0
	.dword	(0x80000 << 10) | 0xcf	/* 0x80000000: a gigapage, V R W X A D */
	.fill	509, 8, 0
