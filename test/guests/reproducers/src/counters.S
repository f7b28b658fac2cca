/*
 * What a kernel finds at entry, as OpenSBI leaves it: scounteren = 7 (cycle, time and
 * instret readable from U-mode, which the vDSO's clock_gettime needs) and senvcfg = 0.
 * Then U-mode reads the three counters without trapping; its ecall is the first trap.
 */
#include "guest.h"
	.option norvc
	GUEST_START
	csrr	t3, scounteren
	EXPECT	t3, 7, m_scounteren
	csrr	t3, senvcfg
	EXPECT	t3, 0, m_senvcfg

	IN_USER	user, 1f
1:	EXPECT	s3, 8, m_user		/* ecall from U-mode, not an illegal instruction (2) */
	bltu	a1, a0, fail_time	/* time did not go backwards */

	PUTS	m_pass
	SHUTDOWN 0
fail_time:
	PUTS	m_time
	SHUTDOWN 1

user:	rdtime	a0
	rdcycle	a2
	rdinstret a3
	rdtime	a1
	ecall

	TRAP_HANDLER

	.data
m_scounteren:	.asciz "FAIL scounteren is not 7\n"
m_senvcfg:	.asciz "FAIL senvcfg is not 0\n"
m_user:		.asciz "FAIL U-mode counter read trapped\n"
m_time:		.asciz "FAIL time went backwards\n"
m_pass:		.asciz "counters: PASS\n"
