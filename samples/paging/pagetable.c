/*
 * Building and walking Sv39 page tables in software (Privileged spec 4.3.2, 4.4).
 */
#include "pagetable.h"
#include "csr.h"
#include "printf.h"
#include "string.h"
#include "layout.h"

#define POOL_PAGES 64

/* Page tables and user pages come from here; identity-mapped in the gigapage. */
static uint8_t pool[POOL_PAGES][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static unsigned pool_used;

void *page_alloc(void)
{
	if (pool_used == POOL_PAGES)
		return 0;
	void *page = pool[pool_used++];
	memset(page, 0, PAGE_SIZE);
	return page;
}

unsigned page_alloc_count(void)
{
	return pool_used;
}

static unsigned vpn(uint64_t va, int level)
{
	return (va >> (12 + 9 * level)) & 0x1ff;
}

static pte_t make_pte(uint64_t pa, uint64_t flags)
{
	return ((pa >> 12) << 10) | flags;
}

static uint64_t pte_pa(pte_t pte)
{
	return ((pte >> 10) & ((1UL << 44) - 1)) << 12;
}

static int pte_is_leaf(pte_t pte)
{
	return (pte & (PTE_R | PTE_W | PTE_X)) != 0;
}

pte_t *pt_create(void)
{
	return page_alloc();
}

void pt_map_giga(pte_t *root, uint64_t va, uint64_t pa, uint64_t flags)
{
	root[vpn(va, 2)] = make_pte(pa, flags | PTE_A | PTE_D | PTE_V);
}

int pt_map_page(pte_t *root, uint64_t va, uint64_t pa, uint64_t flags)
{
	pte_t *table = root;
	/* Walk levels 2 and 1, creating next-level tables as needed. */
	for (int level = 2; level > 0; level--) {
		pte_t *pte = &table[vpn(va, level)];
		if (!(*pte & PTE_V)) {
			pte_t *next = page_alloc();
			if (!next)
				return -1;
			/* Non-leaf: only V and the PPN (A, D, U must be zero). */
			*pte = make_pte((uint64_t)next, PTE_V);
		} else if (pte_is_leaf(*pte)) {
			return -1;
		}
		table = (pte_t *)pte_pa(*pte);
	}
	table[vpn(va, 0)] = make_pte(pa, flags | PTE_A | PTE_D | PTE_V);
	return 0;
}

pte_t pt_lookup(pte_t *root, uint64_t va, int *level)
{
	pte_t *table = root;
	for (int l = 2; l >= 0; l--) {
		pte_t pte = table[vpn(va, l)];
		if (!(pte & PTE_V))
			return 0;
		if (pte_is_leaf(pte)) {
			if (level)
				*level = l;
			return pte;
		}
		table = (pte_t *)pte_pa(pte);
	}
	return 0;
}

uint64_t pt_satp(pte_t *root)
{
	return SATP_MODE_SV39 | ((uint64_t)root >> 12);
}

void pt_dump(pte_t *root, uint64_t start, uint64_t end)
{
	for (uint64_t va = start; va < end; va += PAGE_SIZE) {
		int level;
		pte_t pte = pt_lookup(root, va, &level);
		if (!pte || level != 0)
			continue;
		printf("  0x%08lx %c%c%c %s %s %s\n", va,
		       pte & PTE_R ? 'r' : '-', pte & PTE_W ? 'w' : '-',
		       pte & PTE_X ? 'x' : '-', pte & PTE_U ? "U" : "-",
		       pte & PTE_A ? "A" : "-", pte & PTE_D ? "D" : "-");
	}
}
