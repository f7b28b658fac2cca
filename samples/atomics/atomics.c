/*
 * atomics: every hart adds to four shared counters at the same time, with
 * amoadd.w, amoadd.d and LR/SC loops (lr.w/sc.w and lr.d/sc.d), ITERATIONS
 * times each; the totals must be exact (harts x ITERATIONS), which they are
 * only if every AMO is one atomic step and every SC fails when another hart
 * wrote between its LR and it.
 *
 * Then, with "work=N" on the kernel command line (/chosen/bootargs), every
 * hart runs the same CPU-bound loop (N x 100000 rounds of xorshift and
 * multiply in registers, no shared memory): the benchmark's guest, where 2
 * harts on 2 host threads should take about the time of 1.
 *
 * The boot hart finds the harts (HSM hart_get_status until INVALID_PARAM),
 * starts them all (hart_start), releases them together through a flag, joins
 * them through an atomic count, prints the totals and shuts down (failure if
 * a count is off). As in smp, a boot hart other than 0 hands over to hart 0.
 */
#include "bootargs.h"
#include "csr.h"
#include "handoff.h"
#include "layout.h"
#include "printf.h"
#include "sbi.h"
#include "start.h"

#define ITERATIONS     20000
#define WORK_UNIT      100000UL

static volatile uint32_t amo_w;
static volatile uint64_t amo_d;
static volatile uint32_t lrsc_w;
static volatile uint64_t lrsc_d;
static volatile uint32_t go;       /* set by the boot hart: everyone starts counting */
static volatile uint32_t finished; /* harts done */
static volatile uint64_t work_result[MAX_HARTS];
static unsigned long work_rounds;

static void lrsc_add_w(volatile uint32_t *p, uint32_t v)
{
	uint32_t tmp, fail;
	__asm__ volatile("1: lr.w %0, (%2)\n"
			 "   addw %0, %0, %3\n"
			 "   sc.w %1, %0, (%2)\n"
			 "   bnez %1, 1b\n"
			 : "=&r"(tmp), "=&r"(fail)
			 : "r"(p), "r"(v)
			 : "memory");
}

static void lrsc_add_d(volatile uint64_t *p, uint64_t v)
{
	uint64_t tmp, fail;
	__asm__ volatile("1: lr.d %0, (%2)\n"
			 "   add %0, %0, %3\n"
			 "   sc.d %1, %0, (%2)\n"
			 "   bnez %1, 1b\n"
			 : "=&r"(tmp), "=&r"(fail)
			 : "r"(p), "r"(v)
			 : "memory");
}

/* The CPU-bound part: registers only, the same result on every hart. */
static uint64_t work(unsigned long rounds)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL, acc = 0;
	for (unsigned long i = 0; i < rounds * WORK_UNIT; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		acc += x * 0x2545f4914f6cdd1dULL;
	}
	return acc;
}

static void count(unsigned long me)
{
	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
		;
	for (int i = 0; i < ITERATIONS; i++) {
		__atomic_fetch_add(&amo_w, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&amo_d, 1, __ATOMIC_RELAXED);
		lrsc_add_w(&lrsc_w, 1);
		lrsc_add_d(&lrsc_d, 1);
	}
	work_result[me] = work(work_rounds);
	__atomic_fetch_add(&finished, 1, __ATOMIC_RELEASE);
}

int coordinator(unsigned long me)
{
	unsigned n = count_harts();
	work_rounds = bootarg_ulong(boot_dtb, "work=", 0);
	printf("atomics: %u hart%s x %d additions to each counter, work=%lu\n", n, n == 1 ? "" : "s",
	       ITERATIONS, work_rounds);
	start_other_harts(n, me, "atomics");
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	count(me);
	while (__atomic_load_n(&finished, __ATOMIC_ACQUIRE) != n)
		;
	uint64_t expected = (uint64_t)n * ITERATIONS;
	printf("amoadd.w: %lu\n", (unsigned long)amo_w);
	printf("amoadd.d: %lu\n", (unsigned long)amo_d);
	printf("lr.w/sc.w: %lu\n", (unsigned long)lrsc_w);
	printf("lr.d/sc.d: %lu\n", (unsigned long)lrsc_d);
	int ok = amo_w == expected && amo_d == expected && lrsc_w == expected && lrsc_d == expected;
	for (unsigned h = 1; h < n; h++)
		ok = ok && work_result[h] == work_result[0];
	printf("work: 0x%lx\n", (unsigned long)work_result[0]);
	printf("atomics: %s (expected %lu each)\n", ok ? "exact" : "LOST UPDATES", (unsigned long)expected);
	sbi_shutdown(!ok);
}

/* A hart the coordinator started: its share, then it stops. */
void worker(unsigned long hartid, unsigned long opaque)
{
	(void)opaque;
	count(hartid);
}
