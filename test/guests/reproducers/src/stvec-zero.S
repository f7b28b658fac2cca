/*
 * A trap vector that is not mapped: stvec = 0, then a breakpoint. The fetch at address 0
 * faults, which enters the trap vector at 0 again, for ever, retiring nothing. The
 * hypervisor says so once and keeps running it.
 */
	.option norvc
	.text
	.globl	_start
_start:
	csrw	stvec, zero
	ebreak
