/*
 * Shared by the guest reproducers: entered in S-mode (VS under the hypervisor) at
 * 0x80200000 with a0 = hart id, a1 = device tree, as OpenSBI and the hypervisor enter a
 * kernel. Output with the legacy SBI console putchar; the end with SBI SRST (reason 0 =
 * pass, 1 = system failure), so `hyperscope run` exits 0 or 1 and QEMU + OpenSBI powers off.
 */
#define SBI_PUTCHAR 1
#define SBI_SRST    0x53525354

/*
 * The entry `_start`, in .text, whose first act points stvec at `handler` (default: the `trap`
 * of TRAP_HANDLER), so a trap comes back to the guest instead of running into the unknown
 * (clobbers t0).
 */
.macro GUEST_START handler=trap
	.text
	.globl	_start
_start:
	la	t0, \handler
	csrw	stvec, t0
.endm

/* Prints the NUL-terminated string at label `msg` (clobbers a0, a7, t0). */
.macro PUTS msg
	la	t0, \msg
1:	lbu	a0, 0(t0)
	beqz	a0, 2f
	li	a7, SBI_PUTCHAR
	ecall
	addi	t0, t0, 1
	j	1b
2:
.endm

/* Powers off with `reason` (0 = shutdown, 1 = system failure). */
.macro SHUTDOWN reason
	li	a7, SBI_SRST
	li	a6, 0
	li	a0, 0
	li	a1, \reason
	ecall
3:	j	3b
.endm

/* Fails with message `msg` unless reg == value (clobbers t1). */
.macro EXPECT reg, value, msg
	li	t1, \value
	beq	\reg, t1, 4f
	PUTS	\msg
	SHUTDOWN 1
4:
.endm

/* Fails with message `msg` unless reg == a or reg == b (clobbers t1). */
.macro EXPECT2 reg, a, b, msg
	li	t1, \a
	beq	\reg, t1, 6f
	li	t1, \b
	beq	\reg, t1, 6f
	PUTS	\msg
	SHUTDOWN 1
6:
.endm

/* Fails with message `msg` unless reg1 == reg2. */
.macro EXPECT_EQ reg1, reg2, msg
	beq	\reg1, \reg2, 5f
	PUTS	\msg
	SHUTDOWN 1
5:
.endm

/*
 * Runs the code at `label` in U-mode; the trap it ends with comes back to `resume` in
 * S-mode with s3 = scause, s4 = stval, s5 = sepc (the handler installed by TRAP_HANDLER).
 */
.macro IN_USER label, resume
	la	s6, \resume
	la	t0, \label
	csrw	sepc, t0
	li	t0, 0x100		/* sstatus.SPP = 0: sret goes to U-mode */
	csrc	sstatus, t0
	sret
.endm

/* Runs one S-mode instruction sequence at `label` expecting a trap; same registers. */
.macro IN_KERNEL label, resume
	la	s6, \resume
	j	\label
.endm

/* The trap handler IN_USER and IN_KERNEL rely on (install with `la t0, trap; csrw stvec, t0`). */
.macro TRAP_HANDLER
	.align	2
trap:
	csrr	s3, scause
	csrr	s4, stval
	csrr	s5, sepc
	jr	s6
.endm
