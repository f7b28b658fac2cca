/*
 * uart: driving the ns16550a UART directly through MMIO, with PLIC interrupts.
 *
 * 1. Initialise the UART (7 register writes).
 * 2. Polled transmit: for each byte, read LSR until THRE, write THR.
 * 3. Interrupt-driven transmit: route source 10 to this hart's S-mode PLIC
 *    context, enable IER.ETBEI; each "THR empty" interrupt claims it at the
 *    PLIC, reads IIR, writes the next byte to THR and completes.
 * 4. Receive with RX interrupts, echoing bytes in upper case, until a newline
 *    or 0.5 s (of `time`) without input; the timeout comes from SBI set_timer.
 * 5. Print, through the SBI console (so the UART counts stay exact), how many
 *    UART and PLIC register accesses the program made. Each MMIO access is
 *    one VM exit under the hypervisor, so a test can compare the two.
 *
 * With no input the output is deterministic. The UART sends "\r\n" for a new
 * line, as a terminal expects; compare output with '\r' removed.
 */
#include "csr.h"
#include "fdt.h"
#include "ns16550a.h"
#include "plic.h"
#include "printf.h"
#include "sbi.h"
#include "trap.h"

#define RX_IDLE_TIMEOUT_MS 500

static unsigned plic_ctx;

/* The interrupt-driven transmit buffer. */
static const char *volatile tx_buf;
static volatile unsigned tx_pos, tx_len;
static volatile int tx_done;

/* Bytes received by the RX interrupt, consumed by main. */
static char rx_buf[256];
static volatile unsigned rx_head, rx_tail, rx_total;
static volatile int rx_timed_out;

static unsigned str_len(const char *s)
{
	unsigned n = 0;
	while (s[n])
		n++;
	return n;
}

/* THR is empty: send the next byte, or turn the THRE interrupt off when done. */
static void uart_tx_ready(void)
{
	if (tx_pos < tx_len) {
		uart_write(UART_THR, (uint8_t)tx_buf[tx_pos++]);
	} else {
		uart_write(UART_IER, 0);
		tx_done = 1;
	}
}

/* Data ready: move every byte in the FIFO into rx_buf. */
static void uart_rx_ready(void)
{
	while (uart_read(UART_LSR) & LSR_DR) {
		char c = (char)uart_read(UART_RBR);
		if (rx_head - rx_tail < sizeof(rx_buf)) {
			rx_buf[rx_head % sizeof(rx_buf)] = c;
			rx_head++;
		}
		rx_total++;
	}
}

/* The UART's interrupt service routine: IIR says why it interrupted. */
static void uart_isr(void)
{
	uint8_t iir = uart_read(UART_IIR);

	if (iir & IIR_NO_INT)
		return;
	switch (iir & IIR_ID_MASK) {
	case IIR_THRE:
		uart_tx_ready();
		break;
	case IIR_RX_DATA:
	case IIR_RX_TIMEOUT:
		uart_rx_ready();
		break;
	case IIR_LINE:
		(void)uart_read(UART_LSR); /* reading LSR clears a line-status interrupt */
		break;
	default:
		break;
	}
}

/* A supervisor external interrupt: claim at the PLIC, dispatch, complete. */
static void on_external_interrupt(void)
{
	uint32_t irq = plic_claim(plic_ctx);

	if (irq == 0)
		return; /* already claimed elsewhere, or withdrawn */
	if (irq == UART_IRQ)
		uart_isr();
	plic_complete(plic_ctx, irq);
}

void trap_handler(struct trap_frame *f)
{
	if (f->scause == (SCAUSE_INTERRUPT | IRQ_S_EXT)) {
		on_external_interrupt();
	} else if (f->scause == (SCAUSE_INTERRUPT | IRQ_S_TIMER)) {
		sbi_set_timer(UINT64_MAX); /* one-shot: disarm */
		rx_timed_out = 1;
	} else {
		printf("uart: unexpected trap scause 0x%lx sepc 0x%lx stval 0x%lx\n",
		       f->scause, f->sepc, f->stval);
		sbi_shutdown(1);
	}
}

/* Route UART interrupts to this hart's S-mode context: 3 PLIC writes. */
static void plic_init(unsigned long hartid)
{
	plic_ctx = plic_s_context(hartid);
	plic_set_priority(UART_IRQ, 1);
	plic_set_threshold(plic_ctx, 0);
	plic_set_enable_word0(plic_ctx, 1u << UART_IRQ);
	csr_set(sie, SIE_SEIE);
}

/* Send a string with THRE interrupts and wait until the last byte is out. */
static void uart_send_irq(const char *s)
{
	tx_buf = s;
	tx_len = str_len(s);
	tx_pos = 0;
	tx_done = 0;
	/* Enabling ETBEI with THR already empty raises the first interrupt at once. */
	uart_write(UART_IER, IER_ETBEI);
	while (!tx_done)
		wfi();
}

/* Echo input in upper case until a newline or RX_IDLE_TIMEOUT_MS of silence. */
static void uart_echo_input(uint64_t timebase)
{
	uint64_t timeout = timebase / 1000 * RX_IDLE_TIMEOUT_MS;
	int line_done = 0;

	uart_write(UART_IER, IER_ERBFI);
	rx_timed_out = 0;
	sbi_set_timer(rdtime() + timeout);
	csr_set(sie, SIE_STIE);
	while (!line_done && !rx_timed_out) {
		wfi();
		while (rx_tail != rx_head) {
			char c = rx_buf[rx_tail % sizeof(rx_buf)];
			rx_tail++;
			if (c == '\r' || c == '\n') {
				uart_puts_polled("\n");
				line_done = 1;
				break;
			}
			if (c >= 'a' && c <= 'z')
				c = (char)(c - 'a' + 'A');
			uart_putc_polled(c);
			/* Input keeps the line open: restart the idle timeout. */
			sbi_set_timer(rdtime() + timeout);
		}
	}
	csr_clear(sie, SIE_STIE);
	sbi_set_timer(UINT64_MAX);
	uart_write(UART_IER, 0);
	if (line_done)
		printf("uart: echoed a line of input\n");
	else
		printf("uart: no newline within %d ms of input silence\n", RX_IDLE_TIMEOUT_MS);
}

int main(unsigned long hartid, void *dtb)
{
	int len;
	const void *tb = fdt_getprop(dtb, "/cpus", "timebase-frequency", &len);
	uint64_t timebase = tb && len == 4 ? fdt32(tb) : 10000000;

	trap_init();
	uart_init();
	uart_puts_polled("uart: polled transmit through THR\n");

	plic_init(hartid);
	csr_set(sstatus, SSTATUS_SIE);
	uart_send_irq("uart: interrupt-driven transmit, one byte per THRE interrupt\r\n");

	uart_puts_polled("uart: type a line (echoed in upper case), or wait 0.5 s\n");
	uart_echo_input(timebase);

	/* Quiesce: the source off at the PLIC, interrupts off at the hart. */
	plic_set_enable_word0(plic_ctx, 0);
	csr_clear(sie, SIE_SEIE);
	csr_clear(sstatus, SSTATUS_SIE);

	/* From here on, only the SBI console: the counts must not move. */
	struct mmio_counts u = uart_counts(), p = plic_counts();
	printf("uart: received %u bytes\n", rx_total);
	printf("uart: uart %u reads + %u writes, plic %u reads + %u writes\n",
	       u.reads, u.writes, p.reads, p.writes);
	printf("uart: %u register accesses, %u plic register accesses\n",
	       u.reads + u.writes, p.reads + p.writes);
	return 0;
}
