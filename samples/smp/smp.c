/*
 * smp: starting harts with SBI HSM and talking to them with IPIs.
 *
 * The boot hart finds the harts (HSM hart_get_status on 0, 1, 2, ... until
 * SBI_ERR_INVALID_PARAM), then starts them one at a time with hart_start at
 * _secondary_start and an opaque value; each new hart prints a line and
 * reports back before the next is started, so the output is in hart order.
 * Then hart 0 sends an IPI to each hart in turn (SBI IPI send_ipi); the hart
 * takes the supervisor software interrupt, prints, acknowledges, and stops
 * itself (hart_stop). Hart 0 waits for each to be STOPPED and shuts down.
 *
 * Works with 1..8 harts. If firmware boots on a hart other than 0 (OpenSBI
 * picks its boot hart by lottery), that hart quietly starts hart 0 to run the
 * same sequence and stops, so the output does not depend on the lottery
 * (common/handoff.c, shared with atomics and parallel).
 *
 * SBI calls: HSM hart_get_status / hart_start / hart_stop, IPI send_ipi, the
 * console, SRST.
 */
#include "csr.h"
#include "handoff.h"
#include "layout.h"
#include "printf.h"
#include "sbi.h"
#include "start.h"
#include "trap.h"

#define OPAQUE_BASE    0x5eed0000UL /* hart h gets OPAQUE_BASE + h */

/* Per-hart flags, each written by one hart and read by another. */
static volatile int started[MAX_HARTS];      /* set by hart h once it has printed */
static volatile int got_ipi[MAX_HARTS];      /* set by hart h's interrupt handler */
static volatile int acked[MAX_HARTS];        /* set by hart h after printing the IPI */
static volatile unsigned long ipi_sender[MAX_HARTS];

static const char *hsm_state_name(long state)
{
	static const char *const names[] = {
		"STARTED", "STOPPED", "START_PENDING", "STOP_PENDING",
		"SUSPENDED", "SUSPEND_PENDING", "RESUME_PENDING",
	};
	return state >= 0 && state <= 6 ? names[state] : "?";
}

static void set_flag(volatile int *flag)
{
	__atomic_store_n(flag, 1, __ATOMIC_RELEASE);
}

static void wait_flag(volatile int *flag)
{
	while (!__atomic_load_n(flag, __ATOMIC_ACQUIRE))
		;
}

/* Poll HSM until hart h reaches `state` (a short pause between calls). */
static void wait_hart_state(unsigned long h, long state)
{
	for (;;) {
		struct sbiret ret = sbi_hart_get_status(h);
		if (ret.error == SBI_SUCCESS && ret.value == state)
			return;
		for (volatile int i = 0; i < 1000; i++)
			;
	}
}

/* The supervisor software interrupt: an IPI for this hart. */
void trap_handler(struct trap_frame *f)
{
	unsigned long me = current_hartid();

	if (f->scause == (SCAUSE_INTERRUPT | IRQ_S_SOFT)) {
		csr_clear(sip, SIP_SSIP); /* acknowledge, or it fires again */
		set_flag(&got_ipi[me]);
	} else {
		printf("smp: unexpected trap on hart %lu: scause 0x%lx sepc 0x%lx\n",
		       me, f->scause, f->sepc);
		sbi_shutdown(1);
	}
}

/* A started hart: say hello, wait for the IPI, acknowledge it, stop. */
void worker(unsigned long hartid, unsigned long opaque)
{
	trap_init();
	csr_set(sie, SIE_SSIE);
	csr_set(sstatus, SSTATUS_SIE);

	printf("hart %lu started (opaque 0x%lx)\n", hartid, opaque);
	set_flag(&started[hartid]);

	while (!got_ipi[hartid])
		wfi();
	printf("hart %lu got IPI from hart %lu\n", hartid, ipi_sender[hartid]);
	set_flag(&acked[hartid]);
	hart_exit(); /* HSM hart_stop */
}

/* Start hart h and wait until it has reported. */
static void start_hart(unsigned long h)
{
	/* In a hand-off the old boot hart may still be on its way to STOPPED. */
	wait_hart_state(h, SBI_HSM_STOPPED);
	printf("smp: starting hart %lu\n", h);
	struct sbiret ret = sbi_hart_start(h, (unsigned long)_secondary_start, OPAQUE_BASE + h);
	if (ret.error != SBI_SUCCESS) {
		printf("smp: hart_start(%lu) failed: %s\n", h, sbi_strerror(ret.error));
		sbi_shutdown(1);
	}
	wait_flag(&started[h]);
	printf("smp: hart %lu is %s\n", h, hsm_state_name(sbi_hart_get_status(h).value));
}

/* Send an IPI to hart h and wait for its acknowledgement. */
static void ping_hart(unsigned long me, unsigned long h)
{
	ipi_sender[h] = me;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	struct sbiret ret = sbi_send_ipi(1, h); /* hart_mask 1 at hart_mask_base h */
	if (ret.error != SBI_SUCCESS) {
		printf("smp: send_ipi(%lu) failed: %s\n", h, sbi_strerror(ret.error));
		sbi_shutdown(1);
	}
	wait_flag(&acked[h]);
}

/* Hart 0's job: start everyone, IPI everyone, wait for everyone to stop. */
int coordinator(unsigned long me)
{
	unsigned n = count_harts();

	printf("smp: %u hart%s, hart %lu coordinates\n", n, n == 1 ? "" : "s", me);
	for (unsigned long h = 0; h < n; h++)
		if (h != me)
			start_hart(h);

	for (unsigned long h = 0; h < n; h++)
		if (h != me)
			ping_hart(me, h);
	printf("smp: every hart acknowledged its IPI\n");

	for (unsigned long h = 0; h < n; h++) {
		if (h == me)
			continue;
		wait_hart_state(h, SBI_HSM_STOPPED);
		printf("smp: hart %lu is STOPPED\n", h);
	}
	printf("smp: done\n");
	return 0;
}

