/*
 * The U-mode task of the paging sample.
 *
 * Linked into the .user region (this file's name ends in "user.c"), mapped at
 * USER_BASE. It must not call kernel code: it has its own strlen and number
 * formatting, and reaches the kernel only through ecall.
 *
 * What it touches, in order: its stack (store fault), its other code page
 * (fetch fault), its strings (load fault), a data page only the kernel reads
 * (an S-mode load fault inside write), heap pages 0 and 2 (store faults), heap
 * page 5 (load fault: reads a zero page), a function on a code page of its own
 * (fetch fault), and heap pages 1, 3, 4 (load faults).
 */
#include "layout.h"

/* A system call: number in a7, arguments in a0/a1, result in a0. */
static long syscall2(long number, long arg0, long arg1)
{
	register long a0 __asm__("a0") = arg0;
	register long a1 __asm__("a1") = arg1;
	register long a7 __asm__("a7") = number;
	__asm__ volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a7) : "memory");
	return a0;
}

static unsigned long user_strlen(const char *s)
{
	unsigned long n = 0;
	while (s[n])
		n++;
	return n;
}

static void print(const char *s)
{
	syscall2(SYS_WRITE, (long)s, (long)user_strlen(s));
}

/* Print "<label>0x<hex>\n" (formatted on the user stack). */
static void print_hex(const char *label, unsigned long value)
{
	char line[64];
	unsigned long n = 0;

	while (*label && n < 40)
		line[n++] = *label++;
	line[n++] = '0';
	line[n++] = 'x';
	int shift = 60;
	while (shift > 0 && ((value >> shift) & 0xf) == 0)
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		line[n++] = "0123456789abcdef"[(value >> shift) & 0xf];
	line[n++] = '\n';
	line[n] = '\0';
	print(line);
}

/*
 * Alone on its own code page, so the first call to it takes an instruction
 * page fault. Sums the first word of every heap page touched so far.
 */
__attribute__((noinline, aligned(4096)))
static unsigned long far_away_sum(volatile unsigned long *heap)
{
	unsigned long sum = 0;
	for (int page = 0; page < 6; page++)
		sum += heap[page * (PAGE_SIZE / sizeof(unsigned long))];
	return sum;
}

/*
 * On a data page of its own that the task never reads: the kernel's copy in
 * write() is the first access, an S-mode load page fault on a U page (SUM=1).
 */
static char read_first_by_the_kernel[] __attribute__((aligned(4096))) =
	"user: this line was first read by the kernel\n";

static void exit_task(long code)
{
	syscall2(SYS_EXIT, code, 0);
	for (;;)
		;
}

/* The task's entry point: first in the user image (section .text.entry). */
__attribute__((section(".text.entry"), noreturn))
void user_entry(void)
{
	volatile unsigned long *heap = (volatile unsigned long *)USER_HEAP;
	const unsigned long words = PAGE_SIZE / sizeof(unsigned long);

	print("user: hello from U-mode\n");
	syscall2(SYS_WRITE, (long)read_first_by_the_kernel,
		 sizeof(read_first_by_the_kernel) - 1);

	/* Stores into heap pages that are not mapped yet. */
	heap[0] = 0x1234;
	heap[2 * words] = heap[0] + 1;
	print_hex("user: heap page 2 holds ", heap[2 * words]);

	/* A load from an untouched heap page reads a fresh zero page. */
	print_hex("user: heap page 5 holds ", heap[5 * words]);

	/* Code on a page of its own. */
	print_hex("user: sum of heap pages 0..5 = ", far_away_sum(heap));

	print("user: done, exiting\n");
	exit_task(0);
	__builtin_unreachable();
}
