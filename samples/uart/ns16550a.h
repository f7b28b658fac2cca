/*
 * A polled/interrupt ns16550a driver whose every register access is counted.
 *
 * QEMU virt: base 0x10000000, one byte per register (reg-shift 0), IRQ 10.
 *
 *   off  read          write         with LCR.DLAB = 1
 *   0    RBR           THR           DLL (divisor low)
 *   1    IER           IER           DLM (divisor high)
 *   2    IIR           FCR
 *   3    LCR           LCR
 *   4    MCR           MCR
 *   5    LSR           -
 *   6    MSR           -
 *   7    SCR           SCR
 *
 * IER: ERBFI(0) rx data, ETBEI(1) THR empty, ELSI(2) line status, EDSSI(3) modem.
 * IIR: bit 0 = 1 when nothing is pending; bits 3:1 = 011 line status, 010 rx data,
 *      110 rx timeout, 001 THR empty, 000 modem status. Reading IIR when it says
 *      "THR empty" clears that interrupt.
 * LSR: DR(0) data ready, THRE(5) THR empty, TEMT(6) transmitter empty.
 */
#ifndef UART_NS16550A_H
#define UART_NS16550A_H

#include <stdint.h>

#define UART_BASE 0x10000000UL
#define UART_IRQ  10

#define UART_RBR 0
#define UART_THR 0
#define UART_DLL 0
#define UART_IER 1
#define UART_DLM 1
#define UART_IIR 2
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5

#define IER_ERBFI 0x01
#define IER_ETBEI 0x02

#define IIR_NO_INT    0x01
#define IIR_ID_MASK   0x0e
#define IIR_THRE      0x02
#define IIR_RX_DATA   0x04
#define IIR_LINE      0x06
#define IIR_RX_TIMEOUT 0x0c

#define LSR_DR   0x01
#define LSR_THRE 0x20

/** Register accesses made so far (every read and write of a UART register). */
struct mmio_counts {
	unsigned reads;
	unsigned writes;
};

/** Read one UART register (counted). */
uint8_t uart_read(unsigned reg);
/** Write one UART register (counted). */
void uart_write(unsigned reg, uint8_t value);
/** The UART's access counts. */
struct mmio_counts uart_counts(void);

/** 8N1, divisor 1, FIFOs on and cleared, interrupts off, OUT2 on: 7 writes. */
void uart_init(void);
/** Polled transmit of one byte: read LSR until THRE, then write THR. */
void uart_putc_polled(char c);
/** Polled transmit of a string ('\n' goes out as "\r\n"). */
void uart_puts_polled(const char *s);

#endif
