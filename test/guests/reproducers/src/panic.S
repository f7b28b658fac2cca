/*
 * A guest that panics: prints a line and asks SBI SRST for a shutdown with reason "system
 * failure", as Linux does on panic with a SBI reset driver. `hyperscope run` exits 1; under
 * `hyperscope serve` the VM is crashed (libvirt's crashed, panicked) and the others run on.
 */
#include "guest.h"
	.text
	.globl	_start
_start:
	PUTS	m_panic
	SHUTDOWN 1

	.data
m_panic:	.asciz "panic: the guest gives up\n"
