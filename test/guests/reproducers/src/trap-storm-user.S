/*
 * A trap storm that starts in U-mode (VU under the hypervisor): the kernel drops to a user
 * ebreak, whose trap handler is itself an ebreak, so the guest traps forever.
 */
#include "guest.h"
	.option norvc
	GUEST_START handler
	la	t0, user
	csrw	sepc, t0
	li	t0, 0x100		/* sstatus.SPP = 0: sret goes to U-mode */
	csrc	sstatus, t0
	sret
user:
	ebreak
handler:
	ebreak
