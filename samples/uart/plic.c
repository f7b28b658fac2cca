/*
 * PLIC access functions (register map in plic.h), counted like the UART's.
 */
#include "plic.h"

static struct mmio_counts counts;

static uint32_t plic_read(unsigned long offset)
{
	__atomic_fetch_add(&counts.reads, 1, __ATOMIC_RELAXED);
	return *(volatile uint32_t *)(PLIC_BASE + offset);
}

static void plic_write(unsigned long offset, uint32_t value)
{
	__atomic_fetch_add(&counts.writes, 1, __ATOMIC_RELAXED);
	*(volatile uint32_t *)(PLIC_BASE + offset) = value;
}

void plic_set_priority(unsigned irq, uint32_t priority)
{
	plic_write(4UL * irq, priority);
}

void plic_set_threshold(unsigned ctx, uint32_t threshold)
{
	plic_write(0x200000UL + 0x1000UL * ctx, threshold);
}

void plic_set_enable_word0(unsigned ctx, uint32_t mask)
{
	plic_write(0x2000UL + 0x80UL * ctx, mask);
}

uint32_t plic_claim(unsigned ctx)
{
	return plic_read(0x200004UL + 0x1000UL * ctx);
}

void plic_complete(unsigned ctx, uint32_t irq)
{
	plic_write(0x200004UL + 0x1000UL * ctx, irq);
}

struct mmio_counts plic_counts(void)
{
	return counts;
}
