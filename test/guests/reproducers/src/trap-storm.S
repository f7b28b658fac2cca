/*
 * A trap storm in VS-mode: stvec points at an ebreak, which traps to stvec again. Each
 * trap stays inside the guest (breakpoints are delegated to VS), so none retires an
 * instruction and none exits. The hypervisor must still end its slices and batches.
 */
	.option norvc
	.text
	.globl	_start
_start:
	auipc	t0, 0
	addi	t0, t0, 12
	csrw	stvec, t0
	ebreak
