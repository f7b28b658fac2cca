/*
 * Runs until powered off: prints "spin: ready", then calls `tick` over and over; `tick` counts
 * its calls in s0 and in the word `ticks`. The daemon's attach tests debug one such VM (a
 * function breakpoint on `tick`, a step, s0) while a second one keeps running.
 */
#include "guest.h"
	.text
	.globl	_start
_start:
	PUTS	m_ready
	li	s0, 0
loop:
	call	tick
	j	loop

	.globl	tick
	.type	tick, @function
tick:
	addi	s0, s0, 1
	la	t0, ticks
	sd	s0, 0(t0)
	ret
	.size	tick, .-tick

	.data
m_ready:	.asciz "spin: ready\n"
	.balign	8
ticks:	.dword	0
