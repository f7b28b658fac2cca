/*
 * A TLB flush storm: SFENCE.VMA and satp writes in a tight loop, each emptying the TLBs.
 * One instruction each, so a flush must cost the host about as little as one.
 */
	.option norvc
	.text
	.globl	_start
_start:
	sfence.vma
	csrw	satp, zero
	j	_start
