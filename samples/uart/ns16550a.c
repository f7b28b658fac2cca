/*
 * ns16550a access functions (register map in ns16550a.h). The counters use
 * AMOs (amoadd.w) so a count in main code is never lost to an interrupt
 * handler counting at the same moment.
 */
#include "ns16550a.h"

static struct mmio_counts counts;

uint8_t uart_read(unsigned reg)
{
	__atomic_fetch_add(&counts.reads, 1, __ATOMIC_RELAXED);
	return *(volatile uint8_t *)(UART_BASE + reg);
}

void uart_write(unsigned reg, uint8_t value)
{
	__atomic_fetch_add(&counts.writes, 1, __ATOMIC_RELAXED);
	*(volatile uint8_t *)(UART_BASE + reg) = value;
}

struct mmio_counts uart_counts(void)
{
	return counts;
}

void uart_init(void)
{
	uart_write(UART_IER, 0x00);  /* no interrupts while we set it up */
	uart_write(UART_LCR, 0x80);  /* DLAB: expose the divisor latch */
	uart_write(UART_DLL, 0x01);  /* divisor 1 */
	uart_write(UART_DLM, 0x00);
	uart_write(UART_LCR, 0x03);  /* 8 data bits, no parity, 1 stop bit; DLAB off */
	uart_write(UART_FCR, 0x07);  /* FIFOs on, both cleared, rx trigger at 1 byte */
	uart_write(UART_MCR, 0x0b);  /* DTR, RTS, OUT2 (gates the IRQ on PC-style boards) */
}

void uart_putc_polled(char c)
{
	while (!(uart_read(UART_LSR) & LSR_THRE))
		;
	uart_write(UART_THR, (uint8_t)c);
}

void uart_puts_polled(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			uart_putc_polled('\r');
		uart_putc_polled(*s);
	}
}
