/*
 * CSR helpers and the S-mode CSR bits the samples use.
 *
 * Privileged spec (RISC-V Privileged Architecture, 20211203):
 *   4.1.1 sstatus   SIE(1) SPIE(5) SPP(8) SUM(18) MXR(19)
 *   4.1.3 sip/sie   SSIP/SSIE(1) STIP/STIE(5) SEIP/SEIE(9)
 *   4.1.9 scause    bit 63 = interrupt
 *   4.1.11 satp     MODE(63:60) = 8 for Sv39, ASID(59:44), PPN(43:0)
 *   Sstc            stimecmp = CSR 0x14D
 */
#ifndef SAMPLES_CSR_H
#define SAMPLES_CSR_H

#include <stdint.h>

#define SSTATUS_SIE   (1UL << 1)
#define SSTATUS_SPIE  (1UL << 5)
#define SSTATUS_SPP   (1UL << 8)
#define SSTATUS_SUM   (1UL << 18)
#define SSTATUS_MXR   (1UL << 19)

#define SIP_SSIP      (1UL << 1)
#define SIP_STIP      (1UL << 5)
#define SIP_SEIP      (1UL << 9)
#define SIE_SSIE      SIP_SSIP
#define SIE_STIE      SIP_STIP
#define SIE_SEIE      SIP_SEIP

#define SCAUSE_INTERRUPT        (1UL << 63)
#define IRQ_S_SOFT              1
#define IRQ_S_TIMER             5
#define IRQ_S_EXT               9
#define EXC_INST_MISALIGNED     0
#define EXC_INST_ACCESS         1
#define EXC_ILLEGAL_INSTRUCTION 2
#define EXC_BREAKPOINT          3
#define EXC_LOAD_ACCESS         5
#define EXC_STORE_ACCESS        7
#define EXC_ECALL_U             8
#define EXC_ECALL_S             9
#define EXC_INST_PAGE_FAULT     12
#define EXC_LOAD_PAGE_FAULT     13
#define EXC_STORE_PAGE_FAULT    15

#define SATP_MODE_SV39 (8UL << 60)

/* Sstc's stimecmp, by number so any assembler accepts it. */
#define CSR_STIMECMP 0x14d

#define __csr_str(x) #x
#define __csr_xstr(x) __csr_str(x)

/** Read a CSR by name or number. */
#define csr_read(csr) ({ \
	unsigned long __v; \
	__asm__ volatile("csrr %0, " __csr_xstr(csr) : "=r"(__v) :: "memory"); \
	__v; })

/** Write a CSR by name or number. */
#define csr_write(csr, val) ({ \
	unsigned long __v = (unsigned long)(val); \
	__asm__ volatile("csrw " __csr_xstr(csr) ", %0" :: "rK"(__v) : "memory"); })

/** Set bits in a CSR (csrs). */
#define csr_set(csr, val) ({ \
	unsigned long __v = (unsigned long)(val); \
	__asm__ volatile("csrs " __csr_xstr(csr) ", %0" :: "rK"(__v) : "memory"); })

/** Clear bits in a CSR (csrc). */
#define csr_clear(csr, val) ({ \
	unsigned long __v = (unsigned long)(val); \
	__asm__ volatile("csrc " __csr_xstr(csr) ", %0" :: "rK"(__v) : "memory"); })

/** The `time` counter (Zicntr), in timebase ticks (10 MHz on QEMU virt). */
static inline uint64_t rdtime(void)
{
	uint64_t t;
	__asm__ volatile("rdtime %0" : "=r"(t));
	return t;
}

/** The `instret` counter; traps if the firmware/hypervisor does not expose it. */
static inline uint64_t rdinstret(void)
{
	uint64_t n;
	__asm__ volatile("rdinstret %0" : "=r"(n));
	return n;
}

/** Wait for an interrupt (may return early: always re-check the condition). */
static inline void wfi(void)
{
	__asm__ volatile("wfi" ::: "memory");
}

/** Flush the whole TLB of this hart. */
static inline void sfence_vma_all(void)
{
	__asm__ volatile("sfence.vma" ::: "memory");
}

/** Flush the TLB entries of one virtual address on this hart. */
static inline void sfence_vma_addr(unsigned long va)
{
	__asm__ volatile("sfence.vma %0" :: "r"(va) : "memory");
}

/** This hart's id (crt0 keeps it in tp). */
static inline unsigned long current_hartid(void)
{
	unsigned long id;
	__asm__ volatile("mv %0, tp" : "=r"(id));
	return id;
}

#endif
