/*
 * main and secondary_main of the SMP samples: see handoff.h.
 */
#include "handoff.h"
#include "layout.h"
#include "printf.h"
#include "sbi.h"
#include "start.h"

void *boot_dtb;

unsigned count_harts(void)
{
	unsigned n = 0;
	while (n < MAX_HARTS && sbi_hart_get_status(n).error != SBI_ERR_INVALID_PARAM)
		n++;
	return n;
}

void start_other_harts(unsigned n, unsigned long me, const char *name)
{
	for (unsigned long h = 0; h < n; h++) {
		if (h == me)
			continue;
		struct sbiret ret = sbi_hart_start(h, (unsigned long)_secondary_start, 0);
		if (ret.error != SBI_SUCCESS) {
			printf("%s: hart_start(%lu) failed: %s\n", name, h, sbi_strerror(ret.error));
			sbi_shutdown(1);
		}
	}
}

void secondary_main(unsigned long hartid, unsigned long opaque)
{
	if (opaque == OPAQUE_HANDOFF)
		exit(coordinator(hartid));
	worker(hartid, opaque);
	hart_exit();
}

int main(unsigned long hartid, void *dtb)
{
	boot_dtb = dtb;
	/* Let hart 0 coordinate, so the output does not depend on the boot hart. */
	if (hartid != 0 &&
	    sbi_hart_start(0, (unsigned long)_secondary_start, OPAQUE_HANDOFF).error == SBI_SUCCESS)
		hart_exit();
	return coordinator(hartid);
}
