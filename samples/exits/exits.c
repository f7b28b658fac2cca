/*
 * exits: the cost of a VM exit, as the guest sees it.
 *
 * Times ROUNDS SBI round trips (BASE get_spec_version: an ecall the hypervisor
 * answers, a VM exit each) and ROUNDS MMIO round trips (a read of the 16550's
 * line status register: a guest page fault on an unmapped device page, the
 * access emulated, a VM exit each) with rdtime, and prints the mean of each in
 * nanoseconds (timebase 10 MHz, as QEMU virt's). The timed rounds come after
 * as many untimed ones: the steady state, once the host's JIT compilers (V8's,
 * QEMU's TCG) have compiled the exit path. Under the hypervisor with
 * --clock realtime and under QEMU the figures are host time; with the icount
 * clock they are guest instructions and mean little. The "exits:" lines are
 * timings, so tests compare only the line shape.
 *
 * SBI calls: BASE get_spec_version (timed), the console and SRST. MMIO: UART0.
 */
#include "csr.h"
#include "printf.h"
#include "sbi.h"

#define ROUNDS 200000
#define UART0_LSR ((volatile uint8_t *)0x10000005UL)
/* Nanoseconds per tick of the 10 MHz timebase. */
#define NS_PER_TICK 100

int main(unsigned long hartid, void *dtb)
{
	(void)hartid;
	(void)dtb;
	unsigned sum = 0;
	/* Warm-up, untimed. */
	for (int i = 0; i < ROUNDS; i++)
		sbi_get_spec_version();
	for (int i = 0; i < ROUNDS; i++)
		sum += *UART0_LSR;
	uint64_t t0 = rdtime();
	for (int i = 0; i < ROUNDS; i++)
		sbi_get_spec_version();
	uint64_t t1 = rdtime();
	for (int i = 0; i < ROUNDS; i++)
		sum += *UART0_LSR;
	uint64_t t2 = rdtime();
	printf("exits: %d SBI round trips, %lu ns each\n", ROUNDS, (unsigned long)((t1 - t0) * NS_PER_TICK / ROUNDS));
	printf("exits: %d MMIO round trips, %lu ns each\n", ROUNDS, (unsigned long)((t2 - t1) * NS_PER_TICK / ROUNDS));
	printf("exits: done (lsr sum %u)\n", sum & 0xff);
	return 0;
}
