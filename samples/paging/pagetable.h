/*
 * Sv39 page tables (RISC-V Privileged Architecture 4.4).
 *
 * Virtual address: VPN[2] (38:30) | VPN[1] (29:21) | VPN[0] (20:12) | offset (11:0).
 * PTE: N(63) PBMT(62:61) reserved | PPN (53:10) | RSW (9:8) | D A G U X W R V (7:0).
 * A PTE with R, W or X set is a leaf; at level 2 it maps a 1 GiB gigapage, at
 * level 1 a 2 MiB megapage, at level 0 a 4 KiB page.
 */
#ifndef PAGING_PAGETABLE_H
#define PAGING_PAGETABLE_H

#include <stdint.h>

#define PTE_V (1UL << 0)
#define PTE_R (1UL << 1)
#define PTE_W (1UL << 2)
#define PTE_X (1UL << 3)
#define PTE_U (1UL << 4)
#define PTE_G (1UL << 5)
#define PTE_A (1UL << 6)
#define PTE_D (1UL << 7)

typedef uint64_t pte_t;

/** A zeroed 4 KiB page from the kernel's pool, or 0 when the pool is empty. */
void *page_alloc(void);
/** How many pool pages have been handed out. */
unsigned page_alloc_count(void);

/** Allocate an empty root table. */
pte_t *pt_create(void);
/** Map a 1 GiB gigapage va -> pa (both 1 GiB aligned) with flags (A and D added). */
void pt_map_giga(pte_t *root, uint64_t va, uint64_t pa, uint64_t flags);
/**
 * Map one 4 KiB page va -> pa with flags. A and D are always set, so the mapping
 * works on harts that fault instead of updating them. Returns 0, or -1 if the
 * page-table pages ran out or va is covered by a superpage.
 */
int pt_map_page(pte_t *root, uint64_t va, uint64_t pa, uint64_t flags);
/** The leaf PTE for va (any level), or 0 if none; *level gets its level. */
pte_t pt_lookup(pte_t *root, uint64_t va, int *level);
/** The satp value that selects Sv39 with this root table (ASID 0). */
uint64_t pt_satp(pte_t *root);
/** Print the 4 KiB leaf mappings in [start, end). */
void pt_dump(pte_t *root, uint64_t start, uint64_t end);

#endif
