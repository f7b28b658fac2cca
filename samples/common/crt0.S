/*
 * Boot code shared by every sample.
 *
 * _start            the boot hart's entry, at 0x80200000 in S-mode
 *                   (a0 = hart id, a1 = device tree), as OpenSBI fw_jump or the
 *                   hypervisor leave it. Sets up this hart's stack, clears .bss,
 *                   and calls main(hartid, dtb). When main returns, shuts down
 *                   through SBI (system failure if main returned nonzero).
 * _secondary_start  the entry given to SBI HSM hart_start: a0 = hart id,
 *                   a1 = opaque. Sets up the stack and calls
 *                   secondary_main(hartid, opaque); stops the hart if it returns.
 *
 * Every hart keeps its hart id in tp. sscratch = 0 means "running in S-mode"
 * to trap.S. stvec starts at a catch-all that reports the trap and shuts down.
 * s0 (frame pointer) and ra are zeroed so a debugger's unwind stops here.
 */
#include "layout.h"

	.section .text.init, "ax", @progbits
	.globl _start
_start:
	csrw	sie, zero
	csrw	sscratch, zero
	la	t0, _unexpected_trap_entry
	csrw	stvec, t0
	mv	tp, a0
	li	t0, MAX_HARTS
	bgeu	a0, t0, _park

	/* sp = top of this hart's stack. */
	la	sp, _stacks
	addi	t0, a0, 1
	slli	t0, t0, STACK_SHIFT
	add	sp, sp, t0

	/* Clear .bss (8 bytes at a time; both ends are 64-byte aligned). */
	la	t0, __bss_start
	la	t1, __bss_end
1:	bgeu	t0, t1, 2f
	sd	zero, 0(t0)
	addi	t0, t0, 8
	j	1b
2:
	li	s0, 0
	li	ra, 0
	/* a0 = hart id, a1 = dtb, untouched so far. */
	call	main
	call	exit

	.globl _secondary_start
_secondary_start:
	csrw	sie, zero
	csrw	sscratch, zero
	la	t0, _unexpected_trap_entry
	csrw	stvec, t0
	mv	tp, a0
	li	t0, MAX_HARTS
	bgeu	a0, t0, _park

	la	sp, _stacks
	addi	t0, a0, 1
	slli	t0, t0, STACK_SHIFT
	add	sp, sp, t0

	li	s0, 0
	li	ra, 0
	/* a0 = hart id, a1 = opaque. */
	call	secondary_main
	call	hart_exit

_park:
	wfi
	j	_park

/*
 * Catch-all trap vector until a sample installs its own: report and shut down.
 * Runs on whatever stack the hart had; never returns.
 */
	.balign 4
_unexpected_trap_entry:
	csrr	a0, scause
	csrr	a1, sepc
	csrr	a2, stval
	call	unexpected_trap

	.section .bss.stacks, "aw", @nobits
	.balign 64
	.globl _stacks
_stacks:
	.space	STACK_SIZE * MAX_HARTS
