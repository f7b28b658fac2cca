/*
 * A misaligned AMO, or an access fault, raised by guest code is the guest's own
 * business: its kernel's trap handler sees the cause (a Linux process gets SIGBUS), as on
 * QEMU + OpenSBI, and the VM lives on. Each case checks scause, stval and sepc.
 * An AMO or SC is a store to the spec (store/AMO address misaligned, 6); QEMU 7.2 reports a
 * misaligned AMO as a load (4), so the AMO cases accept both.
 */
#include "guest.h"
	.option norvc
	GUEST_START

	/* 1. amoadd.w at an odd address from U-mode: store/AMO address misaligned (6). */
	IN_USER	u_amo, 1f
1:	EXPECT2	s3, 6, 4, m_amo_cause
	la	t2, data + 1
	EXPECT_EQ s4, t2, m_amo_tval
	la	t2, u_amo_at
	EXPECT_EQ s5, t2, m_amo_epc

	/* 2. amoswap.d at data + 4 in the kernel itself (VS-mode): 6 as well. */
	IN_KERNEL k_amo, 1f
1:	EXPECT2	s3, 6, 4, m_kamo_cause
	la	t2, data + 4
	EXPECT_EQ s4, t2, m_kamo_tval

	/* 3. A load from address 0 (nothing there): load access fault (5), stval 0. */
	IN_KERNEL k_load, 1f
1:	EXPECT	s3, 5, m_load_cause
	EXPECT	s4, 0, m_load_tval

	/* 4. A store there: store/AMO access fault (7). */
	IN_KERNEL k_store, 1f
1:	EXPECT	s3, 7, m_store_cause

	PUTS	m_pass
	SHUTDOWN 0

u_amo:	la	a1, data + 1
	li	a2, 1
u_amo_at:
	amoadd.w a0, a2, (a1)
	j	.
k_amo:	la	a1, data + 4
	amoswap.d a0, a2, (a1)
	j	.
k_load:	li	a1, 0
	lw	a0, 0(a1)
	j	.
k_store: li	a1, 0
	sw	a0, 0(a1)
	j	.

	TRAP_HANDLER

	.data
	.align	4
data:	.dword	0, 0
m_amo_cause:	.asciz "FAIL amoadd.w: scause\n"
m_amo_tval:	.asciz "FAIL amoadd.w: stval\n"
m_amo_epc:	.asciz "FAIL amoadd.w: sepc\n"
m_kamo_cause:	.asciz "FAIL amoswap.d: scause\n"
m_kamo_tval:	.asciz "FAIL amoswap.d: stval\n"
m_load_cause:	.asciz "FAIL load from 0: scause\n"
m_load_tval:	.asciz "FAIL load from 0: stval\n"
m_store_cause:	.asciz "FAIL store to 0: scause\n"
m_pass:		.asciz "misaligned-amo: PASS\n"
