/*
 * cvars: C data for the debugger's Variables, Watch and hover (built at -O2 as
 * cvars.elf and at -O0 as cvars-O0.elf).
 *
 * Globals of every kind a kernel has (integers, a 64-bit typedef, doubles, char
 * arrays and pointers, an enum, structs with bitfields, a union, a function
 * pointer, two-dimensional and long arrays, a linked list), and a loop whose
 * locals change on every iteration. checkpoint() is where a test stops:
 * compute()'s locals are then read in a caller frame, from the registers that
 * call-frame information recovers. The values are checked against gdb on
 * QEMU's gdbstub (test/dap/cvars/README.md).
 *
 * SBI calls made: console output, SRST shutdown.
 */
#include "printf.h"
#include "start.h"

typedef unsigned long u64;

enum color { RED, GREEN = 5, BLUE };

struct flags {
	unsigned int ready : 1;
	unsigned int mode : 3;
	int delta : 5;
	unsigned int count : 7;
};

struct point {
	int x;
	int y;
};

struct shape {
	const char *name;
	enum color color;
	struct point corners[3];
	struct flags flags;
	double scale;
	union {
		int i;
		float f;
	} u;
	struct shape *next;
	int (*area)(const struct shape *s);
};

int area(const struct shape *s);

int counter = 7;
u64 big = 0xfedcba9876543210UL;
long negative = -42;
double ratio = 0.1;
float half = 0.5f;
unsigned char byte = 'A';
_Bool yes = 1;
char greeting[16] = "hello";
const char *message = "cvars says hi";
enum color favourite = BLUE;
long table[4][3] = { { 1, 2, 3 }, { 4, 5, 6 }, { 7, 8, 9 }, { 10, 11, 12 } };
int squares[300];

struct shape triangle = {
	.name = "triangle",
	.color = GREEN,
	.corners = { { 0, 0 }, { 4, 0 }, { 0, 3 } },
	.flags = { .ready = 1, .mode = 5, .delta = -3, .count = 100 },
	.scale = 2.5,
	.u = { .i = 0x3f800000 },
	.next = 0,
	.area = area,
};

struct shape square = {
	.name = "square",
	.color = RED,
	.corners = { { 1, 1 }, { 3, 1 }, { 3, 3 } },
	.flags = { .ready = 0, .mode = 2, .delta = 7, .count = 3 },
	.scale = -0.125,
	.u = { .f = 1.5f },
	.next = &triangle,
	.area = area,
};

struct shape *current = &square;
static int file_static = 99;

/* What the loop reports; volatile so the stores stay at -O2. */
volatile long last_sum;

__attribute__((noipa)) int area(const struct shape *s)
{
	int w = s->corners[1].x - s->corners[0].x;
	int h = s->corners[2].y - s->corners[1].y;
	return w * h;
}

/* A test's breakpoint: compute()'s locals are read one frame up. */
__attribute__((noipa)) void checkpoint(int step, long sum)
{
	last_sum = sum + step;
}

__attribute__((noipa)) long compute(int n, struct shape *s, double k)
{
	long sum = 0;
	for (int i = 0; i < n; i++) {
		int sq = i * i;
		squares[i] = sq;
		sum += sq + s->corners[i % 3].x;
		checkpoint(i, sum);
	}
	return sum + (long)(k * s->scale) + file_static;
}

int main(unsigned long hartid, void *dtb)
{
	(void)hartid;
	(void)dtb;
	long r = compute(5, current, 4.0);
	printf("cvars: compute = %ld, area = %d, counter = %d\n", r, current->area(current), counter);
	return 0;
}
