/*
 * The paging sample's address space and system calls, shared by the kernel
 * (paging.c, pagetable.c) and the U-mode task (user.c).
 *
 *   virtual address        what                                  mapped
 *   0x0000000000400000     the user image (.user of link.ld):    on demand,
 *                          code pages r-x, then data pages rw-    except the entry page
 *   0x0000000000ff0000 ..  user stack, 16 pages, grows down      on demand (zero pages)
 *   0x0000000001000000
 *   0x0000000002000000 ..  user heap, 64 pages                   on demand (zero pages)
 *   0x0000000080000000 ..  the kernel, identity-mapped by one    at boot (S-mode only)
 *   0x00000000bfffffff     1 GiB gigapage
 */
#ifndef PAGING_LAYOUT_H
#define PAGING_LAYOUT_H

#define PAGE_SIZE        4096UL

#define USER_BASE        0x00400000UL
#define USER_STACK_TOP   0x01000000UL
#define USER_STACK_PAGES 16
#define USER_HEAP        0x02000000UL
#define USER_HEAP_PAGES  64

/* System call numbers (in a7, as on Linux/RISC-V); arguments in a0..a2. */
#define SYS_WRITE 64 /* write(buf, len): print len bytes from a user buffer */
#define SYS_EXIT  93 /* exit(code): end the task */

#endif
