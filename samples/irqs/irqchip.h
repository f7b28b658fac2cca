/*
 * The board's interrupt controller, whichever it is: the PLIC of QEMU virt, or with
 * `-M virt,aia=aplic-imsic` (hyperscope run --aia) the APLIC in MSI mode and the IMSIC
 * (RISC-V AIA 1.0). Chosen from the device tree. Register accesses are counted per device:
 * under a hypervisor each PLIC or APLIC access is an MMIO exit, while the IMSIC is reached
 * through CSRs (siselect/sireg/stopei) and a memory page of the hart's own interrupt file.
 */
#ifndef IRQS_IRQCHIP_H
#define IRQS_IRQCHIP_H

#include <stdint.h>

enum irqchip_kind { IRQCHIP_PLIC, IRQCHIP_AIA };

/** Finds the controller in the device tree; returns which one. */
enum irqchip_kind irqchip_detect(const void *dtb);
/** Its name as printed: "plic" or "aplic-imsic". */
const char *irqchip_name(void);
/** Routes wired source `irq` to this hart's supervisor level, and enables IPIs if they come through it. */
void irqchip_route(unsigned irq, unsigned long hartid);
/** Claims the top external interrupt: its source (wired) or identity (IMSIC), 0 if none. */
unsigned irqchip_claim(void);
/** Ends the handling of `irq` (PLIC: complete; AIA: nothing, the claim was the end). */
void irqchip_complete(unsigned irq);
/** Sends this hart an IPI: SBI on the PLIC board; a store to its own IMSIC page with AIA. */
void irqchip_self_ipi(unsigned long hartid);
/** The identity an IPI arrives with through the IMSIC (riscv,ipi-id). */
#define IRQCHIP_IPI_ID 1

/** Register accesses so far: to the PLIC or APLIC (MMIO), and IMSIC CSR accesses and page stores. */
struct irqchip_counts {
	unsigned mmio_reads, mmio_writes, imsic_csrs, imsic_stores;
};
struct irqchip_counts irqchip_counts(void);

#endif
