/*
 * parallel: every hart runs the cpu-bound sample's four kernels (sieve,
 * crc32, matmul, sort) on data of its own, with nothing shared while they
 * run: the benchmark's share-nothing guest, where N harts on N host threads
 * should take about the time of one (each hart does the whole work).
 *
 * Each hart's buffers and generator state sit in a page-aligned block of
 * their own, so no two harts write the same page or cache line. All harts
 * start from the same seed, so each prints the checksum a single hart
 * computes (with rounds=253 the cpu-bound sample's own checksum): a hart
 * that saw another's data would print another number.
 *
 * "rounds=N" on the kernel command line (/chosen/bootargs) sets the rounds
 * (default 4, about 1.2 million instructions each). The boot hart finds the
 * harts (HSM hart_get_status until INVALID_PARAM), starts them (hart_start),
 * does its share, waits for the others through an atomic count, prints each
 * hart's checksum and shuts down (failure if they differ). As in atomics, a
 * boot hart other than 0 hands over to hart 0.
 */
#include "bootargs.h"
#include "handoff.h"
#include "layout.h"
#include "printf.h"
#include "sbi.h"
#include "start.h"

#define DEFAULT_ROUNDS 4
#define SIEVE_N        32768
#define CRC_BYTES      4096
#define MAT_N          24
#define SORT_N         384

/* One hart's data: nothing here is read or written by another hart. */
struct hart_data {
	uint8_t sieve_buf[SIEVE_N];
	uint8_t crc_buf[CRC_BYTES];
	int32_t mat_a[MAT_N][MAT_N], mat_b[MAT_N][MAT_N], mat_c[MAT_N][MAT_N];
	uint32_t sort_buf[SORT_N];
	uint64_t rng_state;
	uint64_t checksum;
} __attribute__((aligned(4096)));

static struct hart_data data[MAX_HARTS];
static volatile uint32_t finished; /* harts done */
static unsigned long rounds;

static uint64_t rng_next(struct hart_data *d)
{
	uint64_t x = d->rng_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return d->rng_state = x;
}

/* Count the primes below SIEVE_N. */
static uint32_t sieve(struct hart_data *d)
{
	uint32_t count = 0;

	for (uint32_t i = 0; i < SIEVE_N; i++)
		d->sieve_buf[i] = 1;
	d->sieve_buf[0] = d->sieve_buf[1] = 0;
	for (uint32_t i = 2; i * i < SIEVE_N; i++) {
		if (!d->sieve_buf[i])
			continue;
		for (uint32_t j = i * i; j < SIEVE_N; j += i)
			d->sieve_buf[j] = 0;
	}
	for (uint32_t i = 0; i < SIEVE_N; i++)
		count += d->sieve_buf[i];
	return count;
}

/* CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), one bit at a time. */
static uint32_t crc_round(struct hart_data *d)
{
	for (uint32_t i = 0; i < CRC_BYTES; i++)
		d->crc_buf[i] = (uint8_t)rng_next(d);
	uint32_t crc = 0xffffffffu;
	for (uint32_t i = 0; i < CRC_BYTES; i++) {
		crc ^= d->crc_buf[i];
		for (int bit = 0; bit < 8; bit++)
			crc = (crc & 1) ? (crc >> 1) ^ 0xedb88320u : crc >> 1;
	}
	return ~crc;
}

/* C = A * B; returns the trace plus a corner element. */
static uint32_t matmul(struct hart_data *d)
{
	for (int i = 0; i < MAT_N; i++)
		for (int j = 0; j < MAT_N; j++) {
			d->mat_a[i][j] = (int32_t)(rng_next(d) % 201) - 100;
			d->mat_b[i][j] = (int32_t)(rng_next(d) % 201) - 100;
		}
	for (int i = 0; i < MAT_N; i++)
		for (int j = 0; j < MAT_N; j++) {
			int32_t sum = 0;
			for (int k = 0; k < MAT_N; k++)
				sum += d->mat_a[i][k] * d->mat_b[k][j];
			d->mat_c[i][j] = sum;
		}
	uint32_t trace = 0;
	for (int i = 0; i < MAT_N; i++)
		trace += (uint32_t)d->mat_c[i][i];
	return trace ^ (uint32_t)d->mat_c[MAT_N - 1][0];
}

/* Insertion sort, then a digest that divides neighbours. */
static uint32_t sort_round(struct hart_data *d)
{
	uint32_t *buf = d->sort_buf;
	for (int i = 0; i < SORT_N; i++)
		buf[i] = (uint32_t)rng_next(d);
	for (int i = 1; i < SORT_N; i++) {
		uint32_t v = buf[i];
		int j = i - 1;
		while (j >= 0 && buf[j] > v) {
			buf[j + 1] = buf[j];
			j--;
		}
		buf[j + 1] = v;
	}
	uint32_t digest = 0;
	for (int i = 1; i < SORT_N; i++) {
		if (buf[i - 1] > buf[i])
			return 0xdeadbeef; /* not sorted: the checksum will show it */
		uint32_t q = (buf[i] >> 8) | 1;
		digest += buf[i - 1] / q + buf[i - 1] % q;
	}
	return digest;
}

static uint64_t fold(uint64_t sum, uint64_t value)
{
	sum ^= value;
	sum = (sum << 7) | (sum >> 57);
	return sum * 0x9e3779b97f4a7c15ull;
}

/* The whole work of one hart, on its own data; then it checks in. */
static void work(unsigned long me)
{
	struct hart_data *d = &data[me];
	d->rng_state = 0x2545f4914f6cdd1dull;
	uint64_t checksum = 0;
	for (unsigned long r = 0; r < rounds; r++) {
		checksum = fold(checksum, sieve(d));
		checksum = fold(checksum, crc_round(d));
		checksum = fold(checksum, matmul(d));
		checksum = fold(checksum, sort_round(d));
	}
	d->checksum = checksum;
	__atomic_fetch_add(&finished, 1, __ATOMIC_RELEASE);
}

int coordinator(unsigned long me)
{
	unsigned n = count_harts();
	rounds = bootarg_ulong(boot_dtb, "rounds=", DEFAULT_ROUNDS);
	printf("parallel: %u hart%s x %lu rounds of sieve(%d), crc32(%d bytes), matmul(%dx%d), sort(%d)\n", n,
	       n == 1 ? "" : "s", rounds, SIEVE_N, CRC_BYTES, MAT_N, MAT_N, SORT_N);
	/* rounds is written before any other hart starts: hart_start orders it for them. */
	start_other_harts(n, me, "parallel");
	work(me);
	while (__atomic_load_n(&finished, __ATOMIC_ACQUIRE) != n)
		;
	int same = 1;
	for (unsigned h = 0; h < n; h++) {
		printf("hart %u: checksum 0x%016lx\n", h, (unsigned long)data[h].checksum);
		same = same && data[h].checksum == data[0].checksum;
	}
	printf("parallel: %s\n", same ? "every hart computed the same checksum" : "CHECKSUMS DIFFER");
	sbi_shutdown(!same);
	return 0;
}

/* A hart the coordinator started: its share, then it stops. */
void worker(unsigned long hartid, unsigned long opaque)
{
	(void)opaque;
	work(hartid);
}
