/*
 * A recursive spinlock built on the A extension (lr.w.aq/sc.w, amoswap.w.rl).
 * The lock word holds 1 + the owner's hart id, so a trap handler that prints
 * while its own hart is inside printf does not deadlock.
 */
#ifndef SAMPLES_SPINLOCK_H
#define SAMPLES_SPINLOCK_H

#include "csr.h"

/** A lock: zero-initialised means free. */
struct spinlock {
	volatile unsigned int owner; /**< 0 = free, else 1 + hart id */
	unsigned int depth;          /**< nesting depth of the owner */
};

/** Take the lock (spins; nests on the same hart). */
static inline void spin_lock(struct spinlock *l)
{
	unsigned int me = (unsigned int)current_hartid() + 1;
	unsigned int tmp;

	if (l->owner == me) {
		l->depth++;
		return;
	}
	/* Compare-and-swap 0 -> me with lr/sc; acquire ordering on success. */
	__asm__ volatile("1:	lr.w.aq %0, (%1)\n"
			 "	bnez %0, 1b\n"
			 "	sc.w %0, %2, (%1)\n"
			 "	bnez %0, 1b\n"
			 : "=&r"(tmp) : "r"(&l->owner), "r"(me) : "memory");
	l->depth = 1;
}

/** Release the lock (the outermost unlock frees it). */
static inline void spin_unlock(struct spinlock *l)
{
	if (--l->depth)
		return;
	__asm__ volatile("amoswap.w.rl zero, zero, (%0)" :: "r"(&l->owner) : "memory");
}

#endif
