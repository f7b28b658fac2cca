/*
 * Console input: prints "echo: ready", then echoes what it reads with the legacy SBI
 * console_getchar (-1 while nothing is typed) until it reads 'q', and powers off. The
 * daemon's tests type into it through `hyperscope vm console`.
 */
#include "guest.h"
#define SBI_GETCHAR 2
	.text
	.globl	_start
_start:
	PUTS	m_ready
loop:
	li	a7, SBI_GETCHAR
	ecall
	bltz	a0, loop
	li	t1, 'q'
	beq	a0, t1, done
	li	a7, SBI_PUTCHAR
	ecall
	j	loop
done:
	PUTS	m_bye
	SHUTDOWN 0

	.data
m_ready:	.asciz "echo: ready\n"
m_bye:		.asciz "\necho: bye\n"
