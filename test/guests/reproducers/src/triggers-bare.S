/*
 * Sdtrig on the bare machine (M-mode, HTIF tohost: 1 = pass, (n << 1) | 1 = failed check n):
 * mcontrol6 triggers on execute, load and store raise a breakpoint (mcause 3) before the
 * instruction, with mtval = the address (or 0); the handler skips the instruction. Without
 * a mode bit the trigger is silent. Passes on qemu-system-riscv64 -M spike -bios none too.
 */
	.option norvc
#define MC6	(6 << 60)
#define M	(1 << 6)
#define EXEC	(1 << 2)
#define STORE	(1 << 1)
#define LOAD	(1 << 0)

/* Fails with check number n unless reg == value. */
.macro CHECK n, reg, value
	li	t6, \value
	beq	\reg, t6, 1f
	li	a0, (\n << 1) | 1
	j	finish
1:
.endm

/* Fails with check 8 unless tval == addr or tval == 0 (the privileged spec allows either;
   Spike and this hart give the address, QEMU 7.2 gives 0). */
.macro TVAL tval, addr
	beqz	\tval, 1f
	bne	\tval, \addr, fail_tval
1:
.endm

	.text
	.globl	_start
_start:
	/* tcontrol.mte (optional: skip the write if it traps) and mstatus.MIE, for M-mode triggers. */
	la	t0, 1f
	csrw	mtvec, t0
	li	t1, 8
	csrs	tcontrol, t1
	.align	2
1:	la	t0, handler
	csrw	mtvec, t0
	csrsi	mstatus, 8
	li	s2, 0			/* breakpoints taken */

	/* 2: an execute trigger on `target`. */
	csrw	tselect, zero
	la	t0, target
	csrw	tdata2, t0
	li	t1, MC6 | M | EXEC
	csrw	tdata1, t1
	csrr	t2, tdata1
	CHECK	2, t2, MC6 | M | EXEC
target:	j	fail_not_skipped
	CHECK	3, s2, 1
	la	t0, target
	CHECK	4, s3, 3		/* mcause */
	bne	s5, t0, fail5		/* mepc = pc */
	TVAL	s4, t0			/* mtval = pc, or 0 */

	/* 6: a load trigger on `data`: the load does not happen. */
	csrw	tdata1, zero
	la	a1, data
	csrw	tdata2, a1
	li	t1, MC6 | M | LOAD
	csrw	tdata1, t1
	li	a2, 0x55
	lw	a2, 0(a1)
	CHECK	6, a2, 0x55
	CHECK	7, s2, 2
	TVAL	s4, a1
	sw	zero, 0(a1)		/* a store does not match a load trigger */
	CHECK	9, s2, 2

	/* 10: a store trigger on `data`: the store does not happen. */
	li	t1, MC6 | M | STORE
	csrw	tdata1, t1
	li	a2, 0x77
	sw	a2, 0(a1)
	CHECK	10, s2, 3
	lw	a3, 0(a1)
	CHECK	11, a3, 0
	TVAL	s4, a1

	/* 13: clearing the mode bits disables it (tdata1 = 0 does too by the spec; QEMU 7.2 ignores
	   that write, so this guest clears m instead). */
	li	t1, MC6 | STORE
	csrw	tdata1, t1
	sw	a2, 0(a1)
	lw	a3, 0(a1)
	CHECK	13, a3, 0x77
	CHECK	14, s2, 3

	li	a0, 1
finish:	la	t0, tohost
	sd	a0, 0(t0)
2:	j	2b

fail_not_skipped: li a0, (1 << 1) | 1
	j	finish
fail5:	li	a0, (5 << 1) | 1
	j	finish
fail_tval: li	a0, (8 << 1) | 1
	j	finish

	/* Counts the breakpoint, records mcause/mtval/mepc in s3/s4/s5, skips the instruction. */
	.align	2
handler:
	csrr	s3, mcause
	csrr	s4, mtval
	csrr	s5, mepc
	addi	s2, s2, 1
	li	t6, 3
	bne	s3, t6, unexpected
	addi	t6, s5, 4
	csrw	mepc, t6
	mret
unexpected:
	li	a0, (15 << 1) | 1
	j	finish

	.data
	.align	3
data:	.word	0

	.section .tohost, "aw", @progbits
	.align	3
	.globl	tohost
tohost:	.dword	0
	.size	tohost, 8	/* QEMU's HTIF wants the symbol sizes */
	.globl	fromhost
fromhost: .dword 0
	.size	fromhost, 8
