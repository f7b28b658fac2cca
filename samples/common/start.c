/*
 * Defaults behind crt0.S: exit, hart_exit, secondary_main, unexpected_trap.
 */
#include "start.h"
#include "csr.h"
#include "printf.h"
#include "sbi.h"

void exit(int code)
{
	sbi_shutdown(code != 0);
}

void hart_exit(void)
{
	sbi_hart_stop();
	for (;;)
		wfi();
}

__attribute__((weak)) void secondary_main(unsigned long hartid, unsigned long opaque)
{
	(void)hartid;
	(void)opaque;
}

void unexpected_trap(unsigned long scause, unsigned long sepc, unsigned long stval)
{
	printf("unexpected trap on hart %lu: scause 0x%lx sepc 0x%lx stval 0x%lx\n",
	       current_hartid(), scause, sepc, stval);
	sbi_shutdown(1);
}
