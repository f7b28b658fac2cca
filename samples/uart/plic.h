/*
 * The platform-level interrupt controller (RISC-V PLIC spec 1.0.0), with every
 * register access counted. QEMU virt: base 0x0c000000; hart h's M-mode context
 * is 2h, its S-mode context 2h + 1. All registers are 32 bits.
 *
 *   0x000000 + 4*irq             priority of source irq (0 = never)
 *   0x001000 + 4*(irq/32)        pending bits
 *   0x002000 + 0x80*ctx + 4*w    enable bits of context ctx, sources 32w..32w+31
 *   0x200000 + 0x1000*ctx        priority threshold of context ctx
 *   0x200004 + 0x1000*ctx        claim (read) / complete (write)
 */
#ifndef UART_PLIC_H
#define UART_PLIC_H

#include <stdint.h>
#include "ns16550a.h"

#define PLIC_BASE 0x0c000000UL

/** The S-mode context of a hart on QEMU virt. */
static inline unsigned plic_s_context(unsigned long hartid)
{
	return 2 * (unsigned)hartid + 1;
}

/** Set a source's priority (1 write). */
void plic_set_priority(unsigned irq, uint32_t priority);
/** Set a context's threshold (1 write). */
void plic_set_threshold(unsigned ctx, uint32_t threshold);
/** Write the enable word for sources 0..31 of a context (1 write). */
void plic_set_enable_word0(unsigned ctx, uint32_t mask);
/** Claim the highest-priority pending source (1 read; 0 = none). */
uint32_t plic_claim(unsigned ctx);
/** Signal completion of a claimed source (1 write). */
void plic_complete(unsigned ctx, uint32_t irq);
/** The PLIC's access counts. */
struct mmio_counts plic_counts(void);

#endif
