/*
 * PLIC (RISC-V PLIC spec 1.0.0) or APLIC + IMSIC (RISC-V AIA 1.0) for irqs.c; see irqchip.h.
 *
 * APLIC, supervisor-level domain at 0x0d000000 (AIA 4.5): domaincfg 0x0000, sourcecfg[i]
 * 0x0000 + 4i, setienum 0x1edc, target[i] 0x3000 + 4i (hart index 31:18, EIID 10:0).
 * IMSIC supervisor-level file of hart h at 0x28000000 + 0x1000 h (AIA 3.5), registers through
 * siselect (0x150) / sireg (0x151): eidelivery 0x70, eithreshold 0x72, eie0 0xc0; stopei (0x15c)
 * reads the top identity in bits 26:16, and a write claims it.
 */
#include "irqchip.h"
#include "fdt.h"
#include "sbi.h"
#include "csr.h"

#define PLIC_BASE   0x0c000000UL
#define APLIC_BASE  0x0d000000UL
#define IMSIC_BASE  0x28000000UL

#define APLIC_DOMAINCFG_IE (1u << 8)
#define APLIC_SM_LEVEL1    6

static enum irqchip_kind kind;
static unsigned plic_ctx;
static struct irqchip_counts counts;

static uint32_t mmio_read(unsigned long addr)
{
	counts.mmio_reads++;
	return *(volatile uint32_t *)addr;
}

static void mmio_write(unsigned long addr, uint32_t value)
{
	counts.mmio_writes++;
	*(volatile uint32_t *)addr = value;
}

/* One IMSIC register of the supervisor-level file (siselect, then sireg). */
static void imsic_write(unsigned long sel, unsigned long value)
{
	counts.imsic_csrs += 2;
	__asm__ volatile("csrw 0x150, %0\n\tcsrw 0x151, %1" : : "r"(sel), "r"(value) : "memory");
}

static void imsic_enable(unsigned id)
{
	unsigned long v;

	counts.imsic_csrs += 3;
	__asm__ volatile("csrw 0x150, %0" : : "r"(0xc0UL + id / 64 * 2) : "memory");
	__asm__ volatile("csrr %0, 0x151" : "=r"(v));
	__asm__ volatile("csrw 0x151, %0" : : "r"(v | (1UL << (id % 64))) : "memory");
}

enum irqchip_kind irqchip_detect(const void *dtb)
{
	int len;

	kind = fdt_getprop(dtb, "/soc/aplic@d000000", "compatible", &len) ? IRQCHIP_AIA : IRQCHIP_PLIC;
	return kind;
}

const char *irqchip_name(void)
{
	return kind == IRQCHIP_AIA ? "aplic-imsic" : "plic";
}

void irqchip_route(unsigned irq, unsigned long hartid)
{
	if (kind == IRQCHIP_PLIC) {
		plic_ctx = 2 * (unsigned)hartid + 1;
		mmio_write(PLIC_BASE + 4UL * irq, 1);                            /* priority */
		mmio_write(PLIC_BASE + 0x200000UL + 0x1000UL * plic_ctx, 0);     /* threshold */
		mmio_write(PLIC_BASE + 0x2000UL + 0x80UL * plic_ctx, 1u << irq); /* enable */
		return;
	}
	imsic_write(0x70, 1); /* eidelivery */
	imsic_write(0x72, 0); /* eithreshold */
	imsic_enable(irq);
	imsic_enable(IRQCHIP_IPI_ID);
	/* A level source: its line drops in the handler, so each interrupt is a new edge and no
	 * setipnum write (an exit under a hypervisor) is needed to catch one still asserted. */
	mmio_write(APLIC_BASE + 4UL * irq, APLIC_SM_LEVEL1);
	mmio_write(APLIC_BASE + 0x3000UL + 4UL * irq, ((uint32_t)hartid << 18) | irq);
	mmio_write(APLIC_BASE + 0x1edcUL, irq); /* setienum */
	mmio_write(APLIC_BASE, APLIC_DOMAINCFG_IE);
}

unsigned irqchip_claim(void)
{
	unsigned long top;

	if (kind == IRQCHIP_PLIC)
		return mmio_read(PLIC_BASE + 0x200004UL + 0x1000UL * plic_ctx);
	counts.imsic_csrs++;
	__asm__ volatile("csrrw %0, 0x15c, zero" : "=r"(top) : : "memory");
	return (unsigned)(top >> 16) & 0x7ff;
}

void irqchip_complete(unsigned irq)
{
	if (kind == IRQCHIP_PLIC)
		mmio_write(PLIC_BASE + 0x200004UL + 0x1000UL * plic_ctx, irq);
}

void irqchip_self_ipi(unsigned long hartid)
{
	if (kind == IRQCHIP_PLIC) {
		sbi_send_ipi(1, hartid);
		return;
	}
	counts.imsic_stores++;
	*(volatile uint32_t *)(IMSIC_BASE + 0x1000UL * hartid) = IRQCHIP_IPI_ID; /* seteipnum_le */
}

struct irqchip_counts irqchip_counts(void)
{
	return counts;
}
