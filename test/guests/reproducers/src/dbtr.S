/*
 * A guest kernel's own hardware breakpoint and watchpoints through SBI DBTR: install an
 * execute trigger (mcontrol6, s) on `target`, then a load and a store trigger on `data` in
 * one call; each traps to the guest's stvec with scause 3 (breakpoint) before the
 * instruction, stval = the address; disable silences them, enable re-arms them, uninstall
 * frees them. Without DBTR (QEMU 7.2 with OpenSBI 1.1) the guest says SKIP and passes.
 */
#include "guest.h"
	.option norvc
#define SBI_BASE	0x10
#define SBI_DBTR	0x44425452
#define MC6		(6 << 60)
#define S		(1 << 4)
#define EXEC		(1 << 2)
#define STORE		(1 << 1)
#define LOAD		(1 << 0)

/* a0 = DBTR call fid with a0..a2 already set (clobbers a6, a7). */
.macro DBTR fid
	li	a7, SBI_DBTR
	li	a6, \fid
	ecall
.endm

/* Fails unless the trap handler counted `n` breakpoints and the last stval is `addr` or 0. */
.macro BREAKS n, addr, msg
	li	t1, \n
	beq	s2, t1, 7f
	PUTS	\msg
	SHUTDOWN 1
7:	beqz	s4, 8f
	beq	s4, \addr, 8f
	PUTS	m_stval
	SHUTDOWN 1
8:
.endm

	GUEST_START handler
	li	s2, 0
	li	a7, SBI_BASE
	li	a6, 3
	li	a0, SBI_DBTR
	ecall
	bnez	a1, 10f
	PUTS	m_skip
	SHUTDOWN 0
10:	li	a0, 0
	DBTR	0			/* num_triggers(0) */
	EXPECT	a0, 0, m_num
	li	t1, 2
	bgeu	a1, t1, 11f
	PUTS	m_num
	SHUTDOWN 1
11:	la	a0, shmem
	li	a1, 0
	li	a2, 0
	DBTR	1			/* set_shmem */
	EXPECT	a0, 0, m_shmem

	/* An execute trigger on `target`. */
	la	s0, shmem
	li	t0, MC6 | S | EXEC
	sd	t0, 8(s0)
	la	t0, target
	sd	t0, 16(s0)
	sd	zero, 24(s0)
	li	a0, 1
	DBTR	3			/* install_triggers(1) */
	EXPECT	a0, 0, m_install
	ld	s1, 0(s0)		/* trig_idx */
target:	j	not_skipped
	la	t0, target
	BREAKS	1, t0, m_exec
	bne	s5, t0, bad_sepc
	mv	a0, s1
	li	a1, 1
	DBTR	5			/* uninstall */
	EXPECT	a0, 0, m_uninstall

	/* A load and a store trigger on `data`, in one call. */
	la	a3, data
	li	t0, MC6 | S | LOAD
	sd	t0, 8(s0)
	sd	a3, 16(s0)
	sd	zero, 24(s0)
	li	t0, MC6 | S | STORE
	sd	t0, 40(s0)
	sd	a3, 48(s0)
	sd	zero, 56(s0)
	li	a0, 2
	DBTR	3
	EXPECT	a0, 0, m_install
	li	a4, 0x55
	lw	a4, 0(a3)		/* skipped by the handler: a4 stays 0x55 */
	BREAKS	2, a3, m_load
	EXPECT	a4, 0x55, m_load
	li	a4, 0x77
	sw	a4, 0(a3)		/* skipped: data stays 0 */
	BREAKS	3, a3, m_store
	lwu	t2, 0(a3)		/* (breaks: the load trigger) */
	BREAKS	4, a3, m_load

	/* Disable both: no breakpoint; enable: the load breaks again. */
	ld	t3, 0(s0)
	ld	t4, 32(s0)
	li	t1, 1
	sll	t5, t1, t3
	sll	t6, t1, t4
	or	s1, t5, t6		/* mask of both, base 0 */
	li	a0, 0
	mv	a1, s1
	DBTR	7			/* disable */
	EXPECT	a0, 0, m_disable
	sw	a4, 0(a3)
	lw	t2, 0(a3)
	BREAKS	4, a3, m_disable
	EXPECT	t2, 0x77, m_disable
	li	a0, 0
	mv	a1, s1
	DBTR	6			/* enable */
	EXPECT	a0, 0, m_enable
	lw	t2, 0(a3)
	BREAKS	5, a3, m_enable
	li	a0, 0
	mv	a1, s1
	DBTR	5
	EXPECT	a0, 0, m_uninstall
	lw	t2, 0(a3)
	BREAKS	5, a3, m_uninstall

	PUTS	m_pass
	SHUTDOWN 0

not_skipped:
	PUTS	m_exec
	SHUTDOWN 1
bad_sepc:
	PUTS	m_sepc
	SHUTDOWN 1

	/* Counts breakpoints (s2), keeps stval (s4) and sepc (s5), skips the instruction. */
	.align	2
handler:
	csrr	t0, scause
	li	t1, 3
	bne	t0, t1, unexpected
	csrr	s4, stval
	csrr	s5, sepc
	addi	s2, s2, 1
	addi	t0, s5, 4
	csrw	sepc, t0
	sret
unexpected:
	PUTS	m_trap
	SHUTDOWN 1

	.data
	.align	5
shmem:	.zero	4 * 32
	.align	3
data:	.word	0
m_skip:		.asciz "dbtr: SKIP (no DBTR extension)\n"
m_num:		.asciz "FAIL num_triggers\n"
m_shmem:	.asciz "FAIL set_shmem\n"
m_install:	.asciz "FAIL install_triggers\n"
m_uninstall:	.asciz "FAIL uninstall_triggers\n"
m_disable:	.asciz "FAIL disable_triggers\n"
m_enable:	.asciz "FAIL enable_triggers\n"
m_exec:		.asciz "FAIL execute trigger\n"
m_load:		.asciz "FAIL load trigger\n"
m_store:	.asciz "FAIL store trigger\n"
m_stval:	.asciz "FAIL stval is not the address\n"
m_sepc:		.asciz "FAIL sepc is not the instruction\n"
m_trap:		.asciz "FAIL unexpected trap\n"
m_pass:		.asciz "dbtr: PASS\n"
