/*
 * Trap frames for samples that take traps (trap.S).
 *
 * trap_entry saves every general register, sepc, sstatus, scause and stval into a
 * struct trap_frame on the kernel stack and calls trap_handler(frame), which each
 * sample defines. On return, trap.S restores the (possibly modified) frame and
 * executes sret. Traps from U-mode switch to the kernel stack kept in sscratch.
 */
#ifndef SAMPLES_TRAP_H
#define SAMPLES_TRAP_H

#include <stdint.h>

/** The registers of the interrupted context. regs[0] is unused (x0). */
struct trap_frame {
	unsigned long regs[32]; /**< x0..x31 by number: regs[2] = sp, regs[10] = a0 */
	unsigned long sepc;     /**< where to resume (advance it past an ecall) */
	unsigned long sstatus;  /**< SPP tells where the trap came from */
	unsigned long scause;
	unsigned long stval;
};

/* Register numbers for trap_frame.regs. */
#define REG_RA 1
#define REG_SP 2
#define REG_A0 10
#define REG_A1 11
#define REG_A2 12
#define REG_A7 17

/** The sample's trap handler, called by trap_entry. */
void trap_handler(struct trap_frame *frame);

/** The trap vector (direct mode): install with csr_write(stvec, trap_entry). */
void trap_entry(void);

/**
 * Enter U-mode at pc with stack user_sp; later traps from U-mode use the kernel
 * stack top kernel_sp. Does not return (the U-mode program leaves via traps).
 */
void user_enter(unsigned long pc, unsigned long user_sp, unsigned long kernel_sp)
	__attribute__((noreturn));

/** Install trap_entry as stvec (direct mode). */
static inline void trap_init(void)
{
	__asm__ volatile("csrw stvec, %0" :: "r"(trap_entry));
}

#endif
