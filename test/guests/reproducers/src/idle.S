/*
 * A guest that sits in WFI: prints "idle: ready", then forever arms the SBI timer 10 ms ahead
 * (100,000 ticks of the 10 MHz timebase) and waits for it with wfi (sstatus.SIE stays 0: a
 * pending interrupt ends wfi without a trap). Counts its wake-ups in s0. The daemon's scheduler
 * tests run it beside a CPU-bound VM: blocked in WFI, it takes no share of the host CPU.
 */
#include "guest.h"
#define SBI_TIME	0x54494d45
#define PERIOD		100000		/* 10 ms at 10 MHz */
	.text
	.globl	_start
_start:
	PUTS	m_ready
	li	s0, 0
	li	t0, 0x20			/* sie.STIE */
	csrs	sie, t0
1:	rdtime	a0
	li	t1, PERIOD
	add	a0, a0, t1
	li	a7, SBI_TIME
	li	a6, 0
	ecall
	wfi
	addi	s0, s0, 1
	j	1b

	.data
m_ready:	.asciz "idle: ready\n"
