/*
 * timer: supervisor timer interrupts, two ways.
 *
 * Phase 1 programs each tick with SBI TIME set_timer (an SBI call per tick; the
 * firmware or hypervisor arms the timer and raises STIP). Phase 2, when the hart
 * has Sstc (found in the device tree's riscv,isa and confirmed by reading the
 * stimecmp CSR without trapping), writes stimecmp directly: no SBI call at all.
 * Without Sstc, phase 2 uses set_timer again. Either way the tick lines are the
 * same; only the line starting with "timer: sstc" says which mechanism ran.
 *
 * The trap handler counts ticks and arms the next deadline; main waits in wfi
 * and prints each tick. SBI calls: TIME set_timer (6 in phase 1, 6 more in
 * phase 2 without Sstc), the console, SRST.
 */
#include "csr.h"
#include "fdt.h"
#include "printf.h"
#include "sbi.h"
#include "string.h"
#include "trap.h"

#define TICKS_PER_PHASE 5
#define TICK_HZ         100 /* a tick every 10 ms */

/* How the next deadline is programmed. */
enum mechanism { MECH_SBI, MECH_SSTC };

static volatile enum mechanism mechanism;
static volatile unsigned ticks;        /* ticks taken so far */
static volatile unsigned last_tick;    /* the tick at which the timer stops */
static uint64_t start_time, interval;

/* While probing stimecmp, an illegal-instruction trap means "no Sstc". */
static volatile int probing, probe_trapped;

/* Arm the timer for absolute time `when` (UINT64_MAX disarms and clears STIP). */
static void timer_arm(uint64_t when)
{
	if (mechanism == MECH_SSTC)
		csr_write(CSR_STIMECMP, when);
	else
		sbi_set_timer(when);
}

/* The timer interrupt: count the tick, arm the next one or stop. */
static void on_timer_interrupt(void)
{
	ticks++;
	if (ticks < last_tick)
		timer_arm(start_time + (uint64_t)(ticks + 1) * interval);
	else
		timer_arm(UINT64_MAX);
}

void trap_handler(struct trap_frame *f)
{
	if (f->scause == (SCAUSE_INTERRUPT | IRQ_S_TIMER)) {
		on_timer_interrupt();
	} else if (f->scause == EXC_ILLEGAL_INSTRUCTION && probing) {
		probe_trapped = 1;
		f->sepc += 4; /* skip the csrr */
	} else {
		printf("timer: unexpected trap scause 0x%lx sepc 0x%lx\n", f->scause, f->sepc);
		sbi_shutdown(1);
	}
}

/* The timebase from /cpus/timebase-frequency (10 MHz on QEMU virt if absent). */
static uint64_t timebase_frequency(const void *dtb)
{
	int len;
	const void *p = fdt_getprop(dtb, "/cpus", "timebase-frequency", &len);
	return p && len == 4 ? fdt32(p) : 10000000;
}

/* Is `ext` one of the '_'-separated multi-letter extensions of an ISA string? */
static int isa_has(const char *isa, int len, const char *ext)
{
	size_t n = strlen(ext);
	for (int i = 0; i < len && isa[i]; i++) {
		if (isa[i] != '_')
			continue;
		if (strncmp(isa + i + 1, ext, n) == 0 &&
		    (isa[i + 1 + n] == '_' || isa[i + 1 + n] == '\0'))
			return 1;
	}
	return 0;
}

/* Is `ext` in a riscv,isa-extensions string list? */
static int stringlist_has(const char *list, int len, const char *ext)
{
	for (int i = 0; i < len; i += (int)strlen(list + i) + 1)
		if (strcmp(list + i, ext) == 0)
			return 1;
	return 0;
}

/* Sstc: advertised by the device tree, and stimecmp readable without a trap. */
static int detect_sstc(const void *dtb, unsigned long hartid)
{
	int len, listed = 0;
	const char *isa = fdt_cpu_getprop(dtb, hartid, "riscv,isa", &len);
	if (isa)
		listed |= isa_has(isa, len, "sstc");
	const char *exts = fdt_cpu_getprop(dtb, hartid, "riscv,isa-extensions", &len);
	if (exts)
		listed |= stringlist_has(exts, len, "sstc");
	if (!listed)
		return 0;

	probing = 1;
	probe_trapped = 0;
	(void)csr_read(CSR_STIMECMP);
	probing = 0;
	return !probe_trapped;
}

/* Take `count` ticks with the current mechanism, printing each one. */
static void run_ticks(unsigned count)
{
	unsigned printed = ticks;

	last_tick = ticks + count;
	timer_arm(start_time + (uint64_t)(ticks + 1) * interval);
	csr_set(sie, SIE_STIE);
	while (printed < last_tick) {
		wfi();
		while (printed < ticks)
			printf("tick %u\n", ++printed);
	}
	csr_clear(sie, SIE_STIE);
}

int main(unsigned long hartid, void *dtb)
{
	uint64_t hz = timebase_frequency(dtb);

	trap_init();
	interval = hz / TICK_HZ;
	printf("timer: timebase-frequency %lu Hz, a tick every %d ms\n", hz, 1000 / TICK_HZ);

	/* Interrupts on; each phase enables STIE only while it waits. */
	csr_set(sstatus, SSTATUS_SIE);
	start_time = rdtime();

	printf("timer: phase 1: %u ticks through SBI TIME set_timer\n", TICKS_PER_PHASE);
	mechanism = MECH_SBI;
	run_ticks(TICKS_PER_PHASE);

	if (detect_sstc(dtb, hartid)) {
		printf("timer: sstc available: phase 2 writes stimecmp directly\n");
		mechanism = MECH_SSTC;
	} else {
		printf("timer: sstc not available: phase 2 uses SBI set_timer again\n");
	}
	printf("timer: phase 2: %u more ticks\n", TICKS_PER_PHASE);
	/* Deadlines stay on the same grid; re-base if phase 1 overran the next one. */
	uint64_t now = rdtime();
	if (start_time + (uint64_t)(ticks + 1) * interval <= now)
		start_time = now - (uint64_t)ticks * interval;
	run_ticks(TICKS_PER_PHASE);

	uint64_t elapsed = rdtime() - start_time;
	printf("timer: %u ticks, at least %lu ms elapsed: %s\n", ticks,
	       (uint64_t)ticks * 1000 / TICK_HZ,
	       elapsed >= (uint64_t)ticks * interval ? "yes" : "no");
	printf("timer: done\n");
	return 0;
}
