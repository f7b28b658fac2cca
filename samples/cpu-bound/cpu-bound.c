/*
 * cpu-bound: a deterministic CPU-bound workload for the benchmark.
 *
 * ROUNDS rounds of four kernels that together exercise the integer ALU,
 * multiply/divide, loads/stores and branches:
 *   sieve   - sieve of Eratosthenes up to SIEVE_N (byte stores, loops)
 *   crc32   - bitwise CRC-32 of a pseudo-random buffer (shifts, xor, branches)
 *   matmul  - MAT_N x MAT_N integer matrix product (mul, loads)
 *   sort    - insertion sort of SORT_N words, then a div/rem digest (div, rem)
 * Every result is folded into a checksum, printed at the end. The retired
 * instruction count (rdinstret, when the firmware lets S-mode read it) and
 * the elapsed time go on a line starting with "instret:", which tests ignore.
 * ROUNDS is chosen so the whole run retires about 300 million instructions.
 *
 * SBI calls: the console and SRST only; no MMIO, no interrupts.
 */
#include "csr.h"
#include "printf.h"
#include "start.h"
#include "trap.h"

#ifndef ROUNDS
#define ROUNDS 253
#endif
#define SIEVE_N   32768
#define CRC_BYTES 4096
#define MAT_N     24
#define SORT_N    384

static uint8_t sieve_buf[SIEVE_N];
static uint8_t crc_buf[CRC_BYTES];
static int32_t mat_a[MAT_N][MAT_N], mat_b[MAT_N][MAT_N], mat_c[MAT_N][MAT_N];
static uint32_t sort_buf[SORT_N];

/* xorshift64: the deterministic source of all inputs. */
static uint64_t rng_state;

static uint64_t rng_next(void)
{
	uint64_t x = rng_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

/* Count the primes below SIEVE_N. */
static uint32_t sieve(void)
{
	uint32_t count = 0;

	for (uint32_t i = 0; i < SIEVE_N; i++)
		sieve_buf[i] = 1;
	sieve_buf[0] = sieve_buf[1] = 0;
	for (uint32_t i = 2; i * i < SIEVE_N; i++) {
		if (!sieve_buf[i])
			continue;
		for (uint32_t j = i * i; j < SIEVE_N; j += i)
			sieve_buf[j] = 0;
	}
	for (uint32_t i = 0; i < SIEVE_N; i++)
		count += sieve_buf[i];
	return count;
}

/* CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), one bit at a time. */
static uint32_t crc32(const uint8_t *data, uint32_t len)
{
	uint32_t crc = 0xffffffffu;

	for (uint32_t i = 0; i < len; i++) {
		crc ^= data[i];
		for (int bit = 0; bit < 8; bit++)
			crc = (crc & 1) ? (crc >> 1) ^ 0xedb88320u : crc >> 1;
	}
	return ~crc;
}

static uint32_t crc_round(void)
{
	for (uint32_t i = 0; i < CRC_BYTES; i++)
		crc_buf[i] = (uint8_t)rng_next();
	return crc32(crc_buf, CRC_BYTES);
}

/* C = A * B; returns the trace plus a corner element. */
static uint32_t matmul(void)
{
	for (int i = 0; i < MAT_N; i++)
		for (int j = 0; j < MAT_N; j++) {
			mat_a[i][j] = (int32_t)(rng_next() % 201) - 100;
			mat_b[i][j] = (int32_t)(rng_next() % 201) - 100;
		}
	for (int i = 0; i < MAT_N; i++)
		for (int j = 0; j < MAT_N; j++) {
			int32_t sum = 0;
			for (int k = 0; k < MAT_N; k++)
				sum += mat_a[i][k] * mat_b[k][j];
			mat_c[i][j] = sum;
		}
	uint32_t trace = 0;
	for (int i = 0; i < MAT_N; i++)
		trace += (uint32_t)mat_c[i][i];
	return trace ^ (uint32_t)mat_c[MAT_N - 1][0];
}

/* Insertion sort, then a digest that divides neighbours. */
static uint32_t sort_round(void)
{
	for (int i = 0; i < SORT_N; i++)
		sort_buf[i] = (uint32_t)rng_next();
	for (int i = 1; i < SORT_N; i++) {
		uint32_t v = sort_buf[i];
		int j = i - 1;
		while (j >= 0 && sort_buf[j] > v) {
			sort_buf[j + 1] = sort_buf[j];
			j--;
		}
		sort_buf[j + 1] = v;
	}
	uint32_t digest = 0;
	for (int i = 1; i < SORT_N; i++) {
		if (sort_buf[i - 1] > sort_buf[i])
			return 0xdeadbeef; /* not sorted: the checksum will show it */
		uint32_t d = (sort_buf[i] >> 8) | 1;
		digest += sort_buf[i - 1] / d + sort_buf[i - 1] % d;
	}
	return digest;
}

static uint64_t fold(uint64_t sum, uint64_t value)
{
	sum ^= value;
	sum = (sum << 7) | (sum >> 57);
	return sum * 0x9e3779b97f4a7c15ull;
}

/* One round of every kernel, folded into the checksum. */
static uint64_t run_round(uint64_t checksum)
{
	checksum = fold(checksum, sieve());
	checksum = fold(checksum, crc_round());
	checksum = fold(checksum, matmul());
	checksum = fold(checksum, sort_round());
	return checksum;
}

/* rdinstret may trap (illegal instruction) if counters are hidden from S-mode. */
static volatile int reading_instret, instret_trapped;

void trap_handler(struct trap_frame *f)
{
	if (f->scause == EXC_ILLEGAL_INSTRUCTION && reading_instret) {
		instret_trapped = 1;
		f->regs[15] = 0; /* the destination register in read_instret (a5) */
		f->sepc += 4;
		return;
	}
	printf("cpu-bound: unexpected trap scause 0x%lx sepc 0x%lx\n", f->scause, f->sepc);
	exit(1);
}

/* instret, or 0 with instret_trapped set if it is not readable. */
static uint64_t read_instret(void)
{
	register uint64_t n __asm__("a5");
	reading_instret = 1;
	__asm__ volatile("rdinstret %0" : "=r"(n));
	reading_instret = 0;
	return n;
}

int main(unsigned long hartid, void *dtb)
{
	(void)hartid;
	(void)dtb;
	trap_init();

	printf("cpu-bound: %d rounds of sieve(%d), crc32(%d bytes), matmul(%dx%d), sort(%d)\n",
	       ROUNDS, SIEVE_N, CRC_BYTES, MAT_N, MAT_N, SORT_N);
	uint64_t t0 = rdtime(), i0 = read_instret();

	rng_state = 0x2545f4914f6cdd1dull;
	uint64_t checksum = 0;
	for (int round = 0; round < ROUNDS; round++)
		checksum = run_round(checksum);

	uint64_t i1 = read_instret(), t1 = rdtime();
	printf("cpu-bound: checksum 0x%016lx\n", checksum);
	if (instret_trapped)
		printf("instret: not readable from S-mode; %lu time ticks\n", t1 - t0);
	else
		printf("instret: %lu instructions retired in %lu time ticks\n", i1 - i0, t1 - t0);
	return 0;
}
