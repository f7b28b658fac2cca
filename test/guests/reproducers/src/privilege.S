/*
 * What a kernel relies on its privilege for, checked from S-mode and U-mode under Sv39: the
 * U bit, sstatus.SUM (user pages readable by the kernel only with it, never executable by
 * it) and MXR (execute-only pages readable with it), each switched on and off again; traps
 * from U-mode (ecall, page faults, an S CSR, WFI, rdcycle with scounteren.CY = 0) with
 * SPP = 0; a timer interrupt taken in U-mode although sstatus.SIE = 0, and one held off in
 * S-mode until SIE is set, then taken at the very next instruction. (rdcycle, not rdtime:
 * OpenSBI 1.1 emulates rdtime for U-mode without looking at scounteren.) Trap-and-emulate has
 * to do all of this in software (test/guests/trap-emulate.test.ts); prints "privilege: PASS"
 * on QEMU 7.2 + OpenSBI too (`make qemu`).
 */
#include "guest.h"
#define SBI_TIME	0x54494D45
#define PTE_V 1
#define PTE_R 2
#define PTE_W 4
#define PTE_X 8
#define PTE_U 16
#define PTE_A 64
#define PTE_D 128
#define SSTATUS_SIE	2
#define SSTATUS_SPIE	0x20
#define SSTATUS_SPP	0x100
#define SSTATUS_SUM	(1 << 18)
#define SSTATUS_MXR	(1 << 19)
#define SIE_STIE	0x20
#define UVA_RW		0x400000	/* user page, read/write */
#define UVA_CODE	0x401000	/* user page, read/execute: ucode */
#define UVA_XONLY	0x402000	/* user page, execute only: xdata */
#define KVA_XONLY	0x403000	/* kernel page, execute only: xdata */
#define PATTERN		0x1122334455667788
#define XPATTERN	0x0badc0de12345678
#define INTERRUPT	0x8000000000000000

/* `reg` = a leaf or pointer PTE for the page at `label` with `flags`. */
.macro MKPTE reg, label, flags
	la	\reg, \label
	srli	\reg, \reg, 12
	slli	\reg, \reg, 10
	ori	\reg, \reg, \flags
.endm

/* Runs `insn` in S-mode expecting a trap with `cause` (s3 = scause, s4 = stval, s5 = sepc, s2 = sstatus). */
.macro S_TRAPS cause, msg, insn:vararg
	li	s3, -1
	la	s6, 7f
	\insn
7:	EXPECT	s3, \cause, \msg
.endm

/* Runs `insn` in S-mode expecting no trap. */
.macro S_OK msg, insn:vararg
	li	s3, -1
	la	s6, 7f
	\insn
7:	EXPECT	s3, -1, \msg
.endm

/* Runs the user code at `label` (in ucode, mapped at UVA_CODE) until it traps back to S-mode. */
.macro U_RUN label
	li	s3, -1
	la	s6, 7f
	la	t0, \label
	la	t1, ucode
	sub	t0, t0, t1
	li	t1, UVA_CODE
	add	t0, t0, t1
	csrw	sepc, t0
	li	t0, SSTATUS_SPP
	csrc	sstatus, t0
	sret
7:
.endm

/* Fails with `msg` unless the trap came from mode `spp` (sstatus.SPP in s2). */
.macro FROM spp, msg
	andi	t2, s2, SSTATUS_SPP
	srli	t2, t2, 8
	EXPECT	t2, \spp, \msg
.endm

	.option norvc
	GUEST_START
	PUTS	m_start

	/* Sv39: the kernel at 0x80000000 in one gigapage, the user pages below 2 MiB + 4 MiB. */
	la	s0, root
	li	t0, ((0x80000000 >> 12) << 10) | PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D
	sd	t0, 16(s0)
	MKPTE	t0, l1, PTE_V
	sd	t0, 0(s0)
	la	t2, l1
	MKPTE	t0, l0, PTE_V
	sd	t0, 16(t2)		/* VA 0x400000 >> 21 = 2 */
	la	t2, l0
	MKPTE	t0, urw, PTE_V | PTE_U | PTE_R | PTE_W | PTE_A | PTE_D
	sd	t0, 0(t2)
	MKPTE	t0, ucode, PTE_V | PTE_U | PTE_R | PTE_X | PTE_A
	sd	t0, 8(t2)
	MKPTE	t0, xdata, PTE_V | PTE_U | PTE_X | PTE_A
	sd	t0, 16(t2)
	MKPTE	t0, xdata, PTE_V | PTE_X | PTE_A
	sd	t0, 24(t2)
	la	t0, urw
	li	t1, PATTERN
	sd	t1, 0(t0)
	la	t0, xdata
	li	t1, XPATTERN
	sd	t1, 0(t0)
	srli	t0, s0, 12
	li	t1, 8 << 60
	or	t0, t0, t1
	csrw	satp, t0
	sfence.vma

	/* 1: without SUM the kernel cannot read a user page; the trap says it came from S. */
	li	a2, UVA_RW
	S_TRAPS	13, m_1, ld t2, 0(a2)
	EXPECT	s4, UVA_RW, m_1
	FROM	1, m_1
	/* 2: with SUM it can read and write it... */
	li	t0, SSTATUS_SUM
	csrs	sstatus, t0
	S_OK	m_2, ld t2, 0(a2)
	EXPECT	t2, PATTERN, m_2
	S_OK	m_2, sd t2, 8(a2)
	/* 3: ...but never execute it */
	li	a3, UVA_CODE
	S_TRAPS	12, m_3, jalr zero, 0(a3)
	EXPECT	s4, UVA_CODE, m_3
	/* 4: SUM cleared again: no access again */
	li	t0, SSTATUS_SUM
	csrc	sstatus, t0
	S_TRAPS	13, m_4, ld t2, 0(a2)
	/* 5: an execute-only kernel page is readable only with MXR, and not after */
	li	a4, KVA_XONLY
	S_TRAPS	13, m_5, ld t2, 0(a4)
	li	t0, SSTATUS_MXR
	csrs	sstatus, t0
	S_OK	m_5, ld t2, 0(a4)
	EXPECT	t2, XPATTERN, m_5
	li	t0, SSTATUS_MXR
	csrc	sstatus, t0
	S_TRAPS	13, m_5, ld t2, 0(a4)

	/* 6: U-mode reads its own page and makes a system call (cause 8, sepc at the ecall, SPP = 0) */
	li	a2, UVA_RW
	U_RUN	u_load_user
	EXPECT	s3, 8, m_6
	EXPECT	t2, PATTERN, m_6
	la	t0, u_load_user_ecall
	la	t1, ucode
	sub	t0, t0, t1
	li	t1, UVA_CODE
	add	t0, t0, t1
	EXPECT_EQ s5, t0, m_6
	FROM	0, m_6
	/* 7: U-mode cannot read kernel memory nor run kernel code */
	la	a4, m_start
	U_RUN	u_load
	EXPECT	s3, 13, m_7
	EXPECT_EQ s4, a4, m_7
	la	a4, _start
	U_RUN	u_jump
	EXPECT	s3, 12, m_7
	EXPECT_EQ s4, a4, m_7
	/* 8: an execute-only user page: readable from U-mode only with MXR */
	li	a4, UVA_XONLY
	U_RUN	u_load
	EXPECT	s3, 13, m_8
	li	t0, SSTATUS_MXR
	csrs	sstatus, t0
	U_RUN	u_load
	EXPECT	s3, 8, m_8
	EXPECT	t2, XPATTERN, m_8
	li	t0, SSTATUS_MXR
	csrc	sstatus, t0
	/* 9: S CSRs, WFI and (scounteren.CY = 0) rdcycle are illegal instructions in U-mode, stval = the bits */
	U_RUN	u_csr
	EXPECT	s3, 2, m_9a
	EXPECT	s4, 0x100023f3, m_9a	/* csrr t2, sstatus */
	U_RUN	u_wfi
	EXPECT	s3, 2, m_9b
	EXPECT	s4, 0x10500073, m_9b
	csrw	scounteren, zero
	U_RUN	u_rdcycle
	EXPECT	s3, 2, m_9c
	EXPECT	s4, 0xc00023f3, m_9d	/* rdcycle t2 */
	csrwi	scounteren, 1
	U_RUN	u_rdcycle
	EXPECT	s3, 8, m_9

	/* 10: U-mode takes a timer interrupt although sstatus.SIE = 0 (SPIE = 0 then) */
	csrci	sstatus, SSTATUS_SIE
	li	t0, SIE_STIE
	csrs	sie, t0
	rdtime	a0
	addi	a0, a0, 1000
	call	set_timer
	U_RUN	u_spin
	EXPECT	s3, INTERRUPT | 5, m_10
	FROM	0, m_10
	andi	t2, s2, SSTATUS_SPIE
	EXPECT	t2, 0, m_10
	/* 11: in S-mode with SIE = 0 it stays pending, then comes right after SIE is set */
	rdtime	a0
	addi	a0, a0, 100
	call	set_timer
8:	csrr	t0, sip
	andi	t0, t0, 0x20
	beqz	t0, 8b
	li	s3, -1
	la	s6, 7f
	csrsi	sstatus, SSTATUS_SIE
9:	nop
	nop
7:	EXPECT	s3, INTERRUPT | 5, m_11
	la	t0, 9b
	EXPECT_EQ s5, t0, m_11
	FROM	1, m_11
	andi	t2, s2, SSTATUS_SPIE
	EXPECT	t2, SSTATUS_SPIE, m_11
	li	a0, -1
	call	set_timer
	li	t0, SIE_STIE
	csrc	sie, t0

	PUTS	m_pass
	SHUTDOWN 0

/* SBI TIME set_timer(a0) (clobbers a0, a1, a6, a7). */
set_timer:
	li	a7, SBI_TIME
	li	a6, 0
	ecall
	ret

/* The trap handler: scause, stval, sepc and sstatus in s3, s4, s5, s2; on in S-mode at s6. */
	.align	2
trap:
	csrr	s3, scause
	csrr	s4, stval
	csrr	s5, sepc
	csrr	s2, sstatus
	jr	s6

/* User code, mapped at UVA_CODE; each piece ends in a trap. */
	.align	12
ucode:
u_load_user:
	ld	t2, 0(a2)
u_load_user_ecall:
	ecall
u_load:
	ld	t2, 0(a4)
	ecall
u_jump:
	jr	a4
u_csr:
	csrr	t2, sstatus
u_wfi:
	wfi
u_rdcycle:
	rdcycle	t2
	ecall
u_spin:
	j	u_spin
	.align	12

	.data
	.align	12
root:	.zero	4096
l1:	.zero	4096
l0:	.zero	4096
urw:	.zero	4096
xdata:	.zero	4096
m_start:	.asciz "privilege: U, SUM, MXR, traps and interrupts from U- and S-mode\n"
m_1:	.asciz "privilege: FAIL 1 the kernel read a user page without SUM\n"
m_2:	.asciz "privilege: FAIL 2 the kernel could not use a user page with SUM\n"
m_3:	.asciz "privilege: FAIL 3 the kernel executed a user page\n"
m_4:	.asciz "privilege: FAIL 4 SUM cleared still lets the kernel read a user page\n"
m_5:	.asciz "privilege: FAIL 5 MXR on an execute-only kernel page\n"
m_6:	.asciz "privilege: FAIL 6 U-mode load and ecall\n"
m_7:	.asciz "privilege: FAIL 7 U-mode reached kernel memory\n"
m_8:	.asciz "privilege: FAIL 8 MXR on an execute-only user page\n"
m_9:	.asciz "privilege: FAIL 9 rdcycle allowed by scounteren.CY in U-mode\n"
m_9a:	.asciz "privilege: FAIL 9 an S CSR in U-mode\n"
m_9b:	.asciz "privilege: FAIL 9 WFI in U-mode\n"
m_9c:	.asciz "privilege: FAIL 9 rdcycle in U-mode with scounteren.CY = 0\n"
m_9d:	.asciz "privilege: FAIL 9 stval of rdcycle\n"
m_10:	.asciz "privilege: FAIL 10 timer interrupt in U-mode\n"
m_11:	.asciz "privilege: FAIL 11 timer interrupt held off by SIE\n"
m_pass:	.asciz "privilege: PASS\n"
