/*
 * irqs: an interrupt-heavy guest for comparing interrupt controllers. It finds the board's
 * controller in the device tree (the PLIC; or the APLIC and IMSIC of QEMU
 * -M virt,aia=aplic-imsic and `hyperscope run --aia`), then
 *
 * 1. sends a line through the UART, one byte per THR-empty interrupt (source 10);
 * 2. sends itself IPIS IPIs, waiting for each: an SBI call on the PLIC board (taken as a
 *    supervisor software interrupt), a store to its own IMSIC page with AIA (taken as an
 *    external interrupt with identity 1).
 *
 * At the end it prints, through the SBI console, the interrupts it took and every register
 * access it made per device. Under the hypervisor each UART, PLIC or APLIC access is one MMIO
 * exit and each SBI call one exit; the IMSIC's CSRs and page are the hart's own (no exit).
 */
#include "csr.h"
#include "fdt.h"
#include "irqchip.h"
#include "../uart/ns16550a.h"
#include "printf.h"
#include "sbi.h"
#include "trap.h"

#define IPIS 100

static const char line[] = "irqs: sent one byte per THR-empty interrupt, through the board's interrupt controller\r\n";
static volatile unsigned tx_pos;
static volatile int tx_done;
static volatile unsigned uart_irqs, ipis, spurious;
static unsigned long hart;

/* THR is empty: the next byte, or the THRE interrupt off after the last. */
static void uart_isr(void)
{
	uint8_t iir = uart_read(UART_IIR);

	if ((iir & IIR_ID_MASK) != IIR_THRE)
		return;
	uart_irqs++;
	if (tx_pos < sizeof(line) - 1) {
		uart_write(UART_THR, (uint8_t)line[tx_pos++]);
	} else {
		uart_write(UART_IER, 0);
		tx_done = 1;
	}
}

void trap_handler(struct trap_frame *f)
{
	if (f->scause == (SCAUSE_INTERRUPT | IRQ_S_EXT)) {
		unsigned irq = irqchip_claim();
		if (irq == UART_IRQ)
			uart_isr();
		else if (irq == IRQCHIP_IPI_ID)
			ipis++;
		else
			spurious++;
		if (irq != 0)
			irqchip_complete(irq);
	} else if (f->scause == (SCAUSE_INTERRUPT | IRQ_S_SOFT)) {
		csr_clear(sip, SIP_SSIP);
		ipis++;
	} else {
		printf("irqs: unexpected trap scause 0x%lx sepc 0x%lx stval 0x%lx\n", f->scause, f->sepc, f->stval);
		sbi_shutdown(1);
	}
}

int main(unsigned long hartid, void *dtb)
{
	hart = hartid;
	trap_init();
	uart_init();
	irqchip_detect(dtb);
	printf("irqs: interrupt controller: %s\n", irqchip_name());
	irqchip_route(UART_IRQ, hartid);
	csr_set(sie, SIE_SEIE | SIE_SSIE);
	csr_set(sstatus, SSTATUS_SIE);

	/* Enabling ETBEI with THR already empty raises the first interrupt at once. */
	uart_write(UART_IER, IER_ETBEI);
	while (!tx_done)
		wfi();

	for (unsigned i = 0; i < IPIS; i++) {
		unsigned before = ipis;
		irqchip_self_ipi(hart);
		while (ipis == before)
			;
	}
	csr_clear(sstatus, SSTATUS_SIE);

	struct mmio_counts u = uart_counts();
	struct irqchip_counts c = irqchip_counts();
	printf("irqs: %u UART interrupts, %u IPIs, %u spurious\n", uart_irqs, ipis, spurious);
	printf("irqs: uart %u reads + %u writes, %s %u reads + %u writes\n",
	       u.reads, u.writes, irqchip_name(), c.mmio_reads, c.mmio_writes);
	printf("irqs: imsic %u CSR accesses + %u page stores\n", c.imsic_csrs, c.imsic_stores);
	printf("irqs: %u register accesses by MMIO\n", u.reads + u.writes + c.mmio_reads + c.mmio_writes);
	return 0;
}
