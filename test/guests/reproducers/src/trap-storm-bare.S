/*
 * The trap storm on the bare machine: M-mode, mtvec points at an ebreak. tohost exists
 * (HTIF is polled) but is never written.
 */
	.option norvc
	.text
	.globl	_start
_start:
	auipc	t0, 0
	addi	t0, t0, 12
	csrw	mtvec, t0
	ebreak

	.section .tohost, "aw", @progbits
	.align	3
	.globl	tohost
tohost:	.dword	0
	.globl	fromhost
fromhost: .dword 0
