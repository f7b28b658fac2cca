/*
 * A kernel that starts in M-mode, as `qemu-system-riscv64 -M virt -bios none -kernel` starts
 * one (entry 0x80000000, a0 = hart id, a1 = device tree), and does what xv6-riscv's start.c
 * and its CLINT timervec do, and more:
 *
 *   M-mode: checks mhartid and misa, delegates exceptions and S interrupts (not illegal
 *   instruction and not ecall from S: those stay in M), opens PMP, enables Sstc (menvcfg.STCE)
 *   and time for S (mcounteren.TM), arms the CLINT timer (mtimecmp) with mie.MTIE (mstatus.MIE
 *   stays 0: a timer taken in M before the mret would overwrite mepc), then mret to S-mode.
 *   S-mode: turns on Sv39 with one gigapage (RAM only: the CLINT and the UART are not mapped,
 *   so M-mode code that used S translation would fault), and waits for
 *     - the machine timer, whose M handler (like timervec) disarms it and raises SSIP,
 *     - an S timer interrupt from stimecmp, taken after WFI,
 *     - a machine software interrupt (the CLINT's msip, written from M through ecall),
 *     - an illegal instruction (csrr mhartid from S) that M-mode handles and skips.
 *   Output and the end go through ecalls to M-mode (a7 = 1 putchar, a7 = 2 finish with a0),
 *   which writes the UART and the SiFive test device (0x5555 pass, 0x3333 fail).
 *
 * Prints "mmode: PASS" (on QEMU 7.2 -bios none too), or "mmode: FAIL <what>".
 */
	.option norvc
#define UART		0x10000000
#define CLINT_MSIP	0x02000000
#define CLINT_MTIMECMP	0x02004000
#define CLINT_MTIME	0x0200bff8
#define TEST		0x00100000
#define MIE_MSIE	(1 << 3)
#define MIE_MTIE	(1 << 7)
#define SIE_ALL		((1 << 1) | (1 << 5) | (1 << 9))
#define ECALL_PUTCHAR	1
#define ECALL_FINISH	2

/* Prints the string at `msg` from M-mode (clobbers t0, t1, t2). */
.macro MPUTS msg
	la	t0, \msg
	li	t1, UART
1:	lbu	t2, 0(t0)
	beqz	t2, 2f
	sb	t2, 0(t1)
	addi	t0, t0, 1
	j	1b
2:
.endm

/* In M-mode: fails with `msg` unless reg == value (clobbers t0, t1, t2). */
.macro MEXPECT reg, value, msg
	li	t0, \value
	beq	\reg, t0, 3f
	MPUTS	\msg
	j	mfail
3:
.endm

/* From S-mode: prints `msg` through M-mode (clobbers a0, a7, t0). */
.macro SPUTS msg
	la	t0, \msg
1:	lbu	a0, 0(t0)
	beqz	a0, 2f
	li	a7, ECALL_PUTCHAR
	ecall
	addi	t0, t0, 1
	j	1b
2:
.endm

/* In S-mode: fails with `msg` unless reg == value. */
.macro SEXPECT reg, value, msg
	li	t1, \value
	beq	\reg, t1, 3f
	SPUTS	\msg
	li	a0, 1
	li	a7, ECALL_FINISH
	ecall
3:
.endm

	.text
	.globl	_start
_start:
	csrr	t3, mhartid
	bne	t3, a0, bad_hartid
	bnez	a0, park		/* other harts wait, as xv6's do until hart 0 is ready */
	lwu	t3, 0(a1)
	MEXPECT	t3, 0xedfe0dd0, m_fdt	/* 0xd00dfeed, big-endian */
	csrr	t3, misa
	srli	t4, t3, 62
	MEXPECT	t4, 2, m_misa		/* RV64 */
	li	t4, (1 << 18) | (1 << 20)
	and	t3, t3, t4
	MEXPECT	t3, (1 << 18) | (1 << 20), m_misa	/* S and U */

	la	t0, mtrap
	csrw	mtvec, t0
	la	t0, mscratch_area
	csrw	mscratch, t0
	li	t0, 0xffff & ~(1 << 2) & ~(1 << 9)	/* illegal instruction and ecall from S stay in M */
	csrw	medeleg, t0
	li	t0, 0xffff
	csrw	mideleg, t0
	csrr	t3, mideleg
	andi	t3, t3, 0x222
	MEXPECT	t3, 0x222, m_mideleg		/* SSIP, STIP, SEIP delegated */
	li	t0, SIE_ALL
	csrs	sie, t0
	li	t0, 0x3fffffffffffff
	csrw	pmpaddr0, t0
	li	t0, 0xf
	csrw	pmpcfg0, t0
	csrr	t3, pmpcfg0
	MEXPECT	t3, 0xf, m_pmp
	li	t0, 1
	slli	t0, t0, 63
	csrs	menvcfg, t0		/* STCE: stimecmp for S */
	csrsi	mcounteren, 2		/* TM: time for S */

	/* The machine timer in 20000 ticks (2 ms), as timerinit does. */
	li	t0, CLINT_MTIME
	ld	t1, 0(t0)
	li	t2, 20000
	add	t1, t1, t2
	li	t0, CLINT_MTIMECMP
	sd	t1, 0(t0)
	li	t0, MIE_MTIE | MIE_MSIE
	csrs	mie, t0			/* taken in S-mode (always enabled below M); MIE stays 0 */

	la	t0, smain
	csrw	mepc, t0
	li	t0, 3 << 11
	csrc	mstatus, t0
	li	t0, 1 << 11		/* MPP = S */
	csrs	mstatus, t0
	csrw	satp, zero
	mret

park:	wfi
	j	park

bad_hartid:
	MPUTS	m_hartid
mfail:
	li	t0, TEST
	li	t1, 0x13333		/* FAIL, code 1 */
	sw	t1, 0(t0)
1:	j	1b

/* The M-mode trap handler: a few registers saved at mscratch. */
	.align	2
mtrap:
	csrrw	sp, mscratch, sp
	sd	t0, 0(sp)
	sd	t1, 8(sp)
	sd	t2, 16(sp)
	sd	t3, 24(sp)
	csrr	t0, mcause
	bltz	t0, minterrupt
	li	t1, 2
	beq	t0, t1, millegal
	li	t1, 9
	beq	t0, t1, mecall
	MPUTS	m_mcause
	j	mfail
millegal:
	csrr	t1, mtval
	li	t2, 0xf1402373		/* csrr t1, mhartid */
	bne	t1, t2, 1f
	la	t1, n_illegal
	ld	t2, 0(t1)
	addi	t2, t2, 1
	sd	t2, 0(t1)
	j	mskip
1:	MPUTS	m_mtval
	j	mfail
mecall:
	li	t1, ECALL_PUTCHAR
	bne	a7, t1, 1f
	li	t1, UART
	sb	a0, 0(t1)
	j	mskip
1:	li	t1, ECALL_FINISH
	bne	a7, t1, 2f
	li	t1, TEST
	li	t2, 0x5555
	beqz	a0, 3f
	li	t2, 0x13333
3:	sw	t2, 0(t1)
4:	j	4b
2:	li	t1, 3			/* a7 = 3: raise a machine software interrupt on this hart */
	bne	a7, t1, 5f
	li	t1, CLINT_MSIP
	li	t2, 1
	sw	t2, 0(t1)
	j	mskip
5:	MPUTS	m_ecall
	j	mfail
mskip:
	csrr	t0, mepc
	addi	t0, t0, 4
	csrw	mepc, t0
	j	mreturn
minterrupt:
	slli	t0, t0, 1
	srli	t0, t0, 1
	li	t1, 7
	beq	t0, t1, mtimer
	li	t1, 3
	beq	t0, t1, msoft
	MPUTS	m_mirq
	j	mfail
mtimer:					/* as timervec: no more machine timer, SSIP for S */
	li	t0, CLINT_MTIMECMP
	li	t1, -1
	sd	t1, 0(t0)
	la	t1, n_mtimer
	ld	t2, 0(t1)
	addi	t2, t2, 1
	sd	t2, 0(t1)
	li	t1, 2
	csrw	sip, t1
	j	mreturn
msoft:
	li	t0, CLINT_MSIP
	sw	zero, 0(t0)
	la	t1, n_msoft
	ld	t2, 0(t1)
	addi	t2, t2, 1
	sd	t2, 0(t1)
mreturn:
	ld	t0, 0(sp)
	ld	t1, 8(sp)
	ld	t2, 16(sp)
	ld	t3, 24(sp)
	csrrw	sp, mscratch, sp
	mret

/* ---- S-mode ---- */
smain:
	la	t0, strap
	csrw	stvec, t0
	la	sp, stack_top
	/* Sv39, one gigapage: VA 0x80000000 -> PA 0x80000000, RWX, A and D set. */
	la	t0, root_pt
	li	t1, (0x80000000 >> 12) << 10 | 0xcf
	sd	t1, 16(t0)		/* entry 2 */
	srli	t0, t0, 12
	li	t1, 8
	slli	t1, t1, 60
	or	t0, t0, t1
	csrw	satp, t0
	sfence.vma
	csrsi	sstatus, 2		/* SIE */

	/* The machine timer comes to M, which passes it on as SSIP. */
	li	s0, 100000000
10:	la	t0, n_ssoft
	ld	t1, 0(t0)
	bnez	t1, 11f
	addi	s0, s0, -1
	bnez	s0, 10b
	SPUTS	m_no_mtimer
	j	sfail
11:	la	t0, n_mtimer
	ld	t1, 0(t0)
	SEXPECT	t1, 1, m_mtimer_count

	/* stimecmp (Sstc), waited for with WFI. */
	csrci	sstatus, 2
	rdtime	t0
	li	t1, 1000
	add	t0, t0, t1
	csrw	stimecmp, t0
	wfi
	csrsi	sstatus, 2
	nop
	la	t0, n_stimer
	ld	t1, 0(t0)
	SEXPECT	t1, 1, m_stimer

	/* A machine software interrupt. */
	li	a7, 3
	ecall
	la	t0, n_msoft
	ld	t1, 0(t0)
	SEXPECT	t1, 1, m_msoft

	/* An illegal instruction that M-mode handles. */
	csrr	t1, mhartid
	la	t0, n_illegal
	ld	t1, 0(t0)
	SEXPECT	t1, 1, m_illegal

	SPUTS	m_pass
	li	a0, 0
	li	a7, ECALL_FINISH
	ecall
sfail:
	li	a0, 1
	li	a7, ECALL_FINISH
	ecall

	.align	2
strap:
	csrr	t5, scause
	li	t6, (1 << 63) | 1
	beq	t5, t6, ssoft
	li	t6, (1 << 63) | 5
	beq	t5, t6, stimer
	SPUTS	m_scause
	j	sfail
ssoft:
	csrci	sip, 2
	la	t5, n_ssoft
	j	1f
stimer:
	li	t5, -1
	csrw	stimecmp, t5
	la	t5, n_stimer
1:	ld	t6, 0(t5)
	addi	t6, t6, 1
	sd	t6, 0(t5)
	sret

	.data
	.align	3
n_mtimer:	.dword 0
n_msoft:	.dword 0
n_illegal:	.dword 0
n_ssoft:	.dword 0
n_stimer:	.dword 0
mscratch_area:	.dword 0, 0, 0, 0
m_hartid:	.asciz "mmode: FAIL a0 is not mhartid\n"
m_fdt:		.asciz "mmode: FAIL no device tree at a1\n"
m_misa:		.asciz "mmode: FAIL misa\n"
m_mideleg:	.asciz "mmode: FAIL mideleg\n"
m_pmp:		.asciz "mmode: FAIL pmpcfg0\n"
m_mcause:	.asciz "mmode: FAIL unexpected exception in M-mode\n"
m_mtval:	.asciz "mmode: FAIL mtval of the illegal instruction\n"
m_ecall:	.asciz "mmode: FAIL unknown ecall\n"
m_mirq:		.asciz "mmode: FAIL unexpected machine interrupt\n"
m_scause:	.asciz "mmode: FAIL unexpected trap in S-mode\n"
m_no_mtimer:	.asciz "mmode: FAIL no machine timer interrupt\n"
m_mtimer_count:	.asciz "mmode: FAIL machine timer count\n"
m_stimer:	.asciz "mmode: FAIL no stimecmp interrupt after wfi\n"
m_msoft:	.asciz "mmode: FAIL no machine software interrupt\n"
m_illegal:	.asciz "mmode: FAIL illegal instruction not handled in M-mode\n"
m_pass:		.asciz "mmode: PASS\n"
	.align	12
root_pt:	.fill 512, 8, 0
	.fill 512, 8, 0
stack_top:
