/*
 * paging: Sv39 virtual memory with a U-mode task and demand paging.
 *
 * 1. Build a root page table that identity-maps the kernel (0x80000000, one
 *    1 GiB gigapage, S-mode only) and turn on Sv39 through satp.
 * 2. Map only the first page of the user image at USER_BASE and sret into it.
 * 3. Every other page the task touches faults (scause 12 fetch, 13 load, 15
 *    store): the handler maps it on demand (a page of the user image, or a
 *    fresh zero page for the stack and heap) and prints one line per fault.
 *    The kernel also faults, with SUM set, when it first reads a user buffer
 *    in a system call.
 * 4. The task prints through ecall (scause 8) and exits; the kernel prints the
 *    fault counts and the task's page table.
 *
 * Every PTE is created with A and D set, so this runs the same on harts that
 * update A/D in hardware and on harts that raise page faults for them.
 * Output is deterministic. SBI calls: the console (DBCN or legacy putchar) and
 * SRST at the end.
 */
#include "csr.h"
#include "layout.h"
#include "pagetable.h"
#include "printf.h"
#include "sbi.h"
#include "string.h"
#include "trap.h"

#define KERNEL_BASE 0x80000000UL

/* Boundaries of the user image, from link.ld. */
extern char __user_start[], __user_data_start[], __user_end[];
/* The task's entry point (first in the user image). */
extern void user_entry(void);

static pte_t *root;
static uint8_t kernel_stack[4 * PAGE_SIZE] __attribute__((aligned(16)));

/* Statistics printed at the end. */
static struct {
	unsigned fetch, load, store; /* page faults by kind */
	unsigned from_kernel;        /* of which raised in S-mode (SUM accesses) */
	unsigned syscalls;
} stats;

/* Which part of the user address space va is in, or 0 if none. */
static const char *user_region(uint64_t va)
{
	uint64_t image_size = (uint64_t)(__user_end - __user_start);
	if (va >= USER_BASE && va < USER_BASE + image_size)
		return "user image";
	if (va >= USER_STACK_TOP - USER_STACK_PAGES * PAGE_SIZE && va < USER_STACK_TOP)
		return "user stack";
	if (va >= USER_HEAP && va < USER_HEAP + USER_HEAP_PAGES * PAGE_SIZE)
		return "user heap";
	return 0;
}

/*
 * Map the page containing va into the task's address space. Image pages map
 * to the ELF's own physical pages (code r-x, data rw-); stack and heap pages
 * get a fresh zeroed page. Returns 0, or -1 if va is outside the task.
 */
static int map_user_page(uint64_t va)
{
	uint64_t page = va & ~(PAGE_SIZE - 1);
	uint64_t pa, flags = PTE_U;

	if (page >= USER_BASE && page < USER_BASE + (uint64_t)(__user_end - __user_start)) {
		pa = (uint64_t)__user_start + (page - USER_BASE);
		flags |= pa < (uint64_t)__user_data_start ? PTE_R | PTE_X : PTE_R | PTE_W;
	} else if (user_region(va)) {
		void *fresh = page_alloc();
		if (!fresh)
			return -1;
		pa = (uint64_t)fresh;
		flags |= PTE_R | PTE_W;
	} else {
		return -1;
	}
	if (pt_map_page(root, page, pa, flags))
		return -1;
	/* The old (invalid) translation may be cached: flush this address. */
	sfence_vma_addr(page);
	return 0;
}

/* Print the summary and shut down; called when the task exits. */
static void finish(long code) __attribute__((noreturn));
static void finish(long code)
{
	printf("paging: task exited with code %ld after %u system calls\n", code, stats.syscalls);
	printf("paging: page faults: %u fetch, %u load, %u store (%u from S-mode)\n",
	       stats.fetch, stats.load, stats.store, stats.from_kernel);
	printf("paging: %u pool pages used (page tables and zero pages)\n", page_alloc_count());
	printf("paging: user mappings (all created with A and D set):\n");
	pt_dump(root, USER_BASE, USER_BASE + (uint64_t)(__user_end - __user_start));
	pt_dump(root, USER_STACK_TOP - USER_STACK_PAGES * PAGE_SIZE, USER_STACK_TOP);
	pt_dump(root, USER_HEAP, USER_HEAP + USER_HEAP_PAGES * PAGE_SIZE);
	sbi_shutdown(code != 0);
}

/* A page fault: map on demand or kill the task. */
static void handle_page_fault(struct trap_frame *f)
{
	static const char *const kinds[16] = {
		[EXC_INST_PAGE_FAULT] = "fetch",
		[EXC_LOAD_PAGE_FAULT] = "load",
		[EXC_STORE_PAGE_FAULT] = "store",
	};
	int from_kernel = (f->sstatus & SSTATUS_SPP) != 0;
	const char *region = user_region(f->stval);

	if (f->scause == EXC_INST_PAGE_FAULT)
		stats.fetch++;
	else if (f->scause == EXC_LOAD_PAGE_FAULT)
		stats.load++;
	else
		stats.store++;
	stats.from_kernel += from_kernel;

	if (map_user_page(f->stval) != 0) {
		printf("page fault: %s at 0x%lx (pc 0x%lx) -> not a user address, killing the task\n",
		       kinds[f->scause], f->stval, f->sepc);
		finish(-1);
	}
	printf("page fault: %s at 0x%lx (%s%s) -> mapped\n", kinds[f->scause], f->stval,
	       region, from_kernel ? ", kernel access" : "");
}

/* write(buf, len): copy from the user buffer (may fault: SUM is set), then print. */
static long sys_write(uint64_t buf, uint64_t len)
{
	char kbuf[129];

	if (len == 0)
		return 0;
	if (len > sizeof(kbuf) - 1)
		len = sizeof(kbuf) - 1;
	if (!user_region(buf) || !user_region(buf + len - 1))
		return -1;
	memcpy(kbuf, (const void *)buf, len);
	kbuf[len] = '\0';
	printf("%s", kbuf);
	return (long)len;
}

/* A system call from U-mode: number in a7, arguments in a0..a2, result in a0. */
static void handle_syscall(struct trap_frame *f)
{
	stats.syscalls++;
	f->sepc += 4; /* resume after the ecall */
	switch (f->regs[REG_A7]) {
	case SYS_WRITE:
		f->regs[REG_A0] = (unsigned long)sys_write(f->regs[REG_A0], f->regs[REG_A1]);
		break;
	case SYS_EXIT:
		finish((long)f->regs[REG_A0]);
	default:
		printf("paging: unknown system call %lu\n", f->regs[REG_A7]);
		f->regs[REG_A0] = (unsigned long)-1;
		break;
	}
}

void trap_handler(struct trap_frame *f)
{
	switch (f->scause) {
	case EXC_ECALL_U:
		handle_syscall(f);
		break;
	case EXC_INST_PAGE_FAULT:
	case EXC_LOAD_PAGE_FAULT:
	case EXC_STORE_PAGE_FAULT:
		handle_page_fault(f);
		break;
	default:
		printf("paging: unexpected trap scause 0x%lx sepc 0x%lx stval 0x%lx\n",
		       f->scause, f->sepc, f->stval);
		sbi_shutdown(1);
	}
}

/* Build the kernel's identity map and switch satp to Sv39. */
static void enable_paging(void)
{
	root = pt_create();
	/* The kernel: VA 0x80000000 -> PA 0x80000000, 1 GiB, S-mode only, global. */
	pt_map_giga(root, KERNEL_BASE, KERNEL_BASE, PTE_R | PTE_W | PTE_X | PTE_G);
	csr_write(satp, pt_satp(root));
	sfence_vma_all();
	printf("paging: Sv39 on, kernel identity-mapped by a 1 GiB gigapage at 0x%lx\n",
	       KERNEL_BASE);
}

/* Map the entry page of the task and sret into it. */
static void start_user_task(void)
{
	uint64_t entry = USER_BASE + ((uint64_t)user_entry - (uint64_t)__user_start);

	printf("paging: user image is %lu pages at 0x%lx; only the entry page is mapped\n",
	       (uint64_t)(__user_end - __user_start) / PAGE_SIZE, USER_BASE);
	map_user_page(entry);
	/* Let the kernel read user pages in system calls. */
	csr_set(sstatus, SSTATUS_SUM);
	printf("paging: entering U-mode at 0x%lx with sp 0x%lx\n", entry, USER_STACK_TOP);
	user_enter(entry, USER_STACK_TOP, (unsigned long)(kernel_stack + sizeof(kernel_stack)));
}

int main(unsigned long hartid, void *dtb)
{
	(void)hartid;
	(void)dtb;
	trap_init();
	enable_paging();
	start_user_task();
	return 1; /* not reached: the task ends through SYS_EXIT */
}
