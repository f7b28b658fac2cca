/*
 * SBI STA (steal-time accounting, SBI v2.0 chapter 16), checked from inside the guest with two
 * vCPUs that share one host thread (hyperscope run --vcpus 2 --threads 1): probe answers 1;
 * set_shmem refuses a structure that is not 64-byte aligned and nonzero flags with
 * SBI_ERR_INVALID_PARAM (-3), and zeroes the 64 bytes of the one it takes; while vCPU 1 spins,
 * vCPU 0 waits for the thread, so the steal field grows, with an even sequence outside updates;
 * after set_shmem(-1, -1) the structure no longer changes. Prints "sta: ok" and powers off,
 * or prints what failed and reports a system failure. Built with -DALONE (sta-alone.elf) it
 * runs on one vCPU and its steal grows only while another VM holds the host CPU it waits for
 * (the daemon's credit scheduler on one slot).
 */
#include "guest.h"
#define SBI_BASE	0x10
#define SBI_STA		0x535441
#define SBI_HSM		0x48534d
#define SPIN		3000000

	.text
	.globl	_start
_start:
	bnez	a0, spin			/* a secondary vCPU started by HSM spins */
	/* probe_extension(STA) = 1 */
	li	a7, SBI_BASE
	li	a6, 3
	li	a0, SBI_STA
	ecall
	EXPECT	a1, 1, m_probe
	/* set_shmem(misaligned) and set_shmem(flags = 1): INVALID_PARAM */
	la	a0, sta
	addi	a0, a0, 8
	li	a1, 0
	li	a2, 0
	li	a7, SBI_STA
	li	a6, 0
	ecall
	EXPECT	a0, -3, m_align
	la	a0, sta
	li	a1, 0
	li	a2, 1
	li	a7, SBI_STA
	li	a6, 0
	ecall
	EXPECT	a0, -3, m_flags
	/* The structure is full of ones; a successful set_shmem zeroes it (flags, pad). */
	la	t0, sta
	li	t1, -1
	li	t2, 8
1:	sd	t1, 0(t0)
	addi	t0, t0, 8
	addi	t2, t2, -1
	bnez	t2, 1b
	la	a0, sta
	li	a1, 0
	li	a2, 0
	li	a7, SBI_STA
	li	a6, 0
	ecall
	EXPECT	a0, 0, m_set
	la	t0, sta
	lwu	t1, 4(t0)			/* flags */
	EXPECT	t1, 0, m_zero
	ld	t1, 16(t0)			/* preempted and the pad */
	EXPECT	t1, 0, m_zero
	ld	t1, 56(t0)
	EXPECT	t1, 0, m_zero
#ifndef ALONE
	/* hart_start(1, _start, 0): vCPU 1 spins and takes turns with this one */
	li	a0, 1
	la	a1, _start
	li	a2, 0
	li	a7, SBI_HSM
	li	a6, 0
	ecall
	EXPECT	a0, 0, m_start
#endif
	li	t2, SPIN
2:	addi	t2, t2, -1
	bnez	t2, 2b
	/* steal > 0, sequence even and > 0 */
	la	t0, sta
	ld	s1, 8(t0)
	beqz	s1, fail_steal
	lwu	t1, 0(t0)
	beqz	t1, fail_seq
	andi	t1, t1, 1
	EXPECT	t1, 0, m_seq
	/* set_shmem(-1, -1): reporting stops, the structure stays as it is */
	li	a0, -1
	li	a1, -1
	li	a2, 0
	li	a7, SBI_STA
	li	a6, 0
	ecall
	EXPECT	a0, 0, m_off
	la	t0, sta
	ld	s1, 8(t0)
	li	t2, SPIN
3:	addi	t2, t2, -1
	bnez	t2, 3b
	ld	t1, 8(t0)
	EXPECT_EQ t1, s1, m_frozen
	PUTS	m_ok
	SHUTDOWN 0
fail_steal:
	PUTS	m_steal
	SHUTDOWN 1
fail_seq:
	PUTS	m_seq
	SHUTDOWN 1
spin:
	j	spin

	.data
m_probe:	.asciz "sta: probe is not 1\n"
m_align:	.asciz "sta: a misaligned structure was not refused with -3\n"
m_flags:	.asciz "sta: nonzero flags were not refused with -3\n"
m_set:		.asciz "sta: set_shmem failed\n"
m_zero:		.asciz "sta: set_shmem did not zero the structure\n"
m_start:	.asciz "sta: hart_start failed\n"
#ifdef ALONE
m_steal:	.asciz "sta: steal did not grow while another VM held the host CPU\n"
#else
m_steal:	.asciz "sta: steal did not grow while vCPU 1 held the thread\n"
#endif
m_seq:		.asciz "sta: sequence is not even and nonzero\n"
m_off:		.asciz "sta: set_shmem(-1, -1) failed\n"
m_frozen:	.asciz "sta: the structure changed after reporting stopped\n"
m_ok:		.asciz "sta: ok\n"
	.balign	64
sta:	.space	64
