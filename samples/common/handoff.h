/*
 * The start of the SMP samples (smp, atomics, parallel): hart 0 coordinates, whichever hart
 * the firmware booted (OpenSBI picks its boot hart by lottery), so their output does not
 * depend on the lottery. A boot hart other than 0 starts hart 0 with OPAQUE_HANDOFF and stops.
 * handoff.c defines main and secondary_main; a sample defines coordinator and worker.
 */
#ifndef SAMPLES_HANDOFF_H
#define SAMPLES_HANDOFF_H

/** The opaque value of hart_start that tells hart 0 "you are the coordinator now". */
#define OPAQUE_HANDOFF 0xb0075eedUL

/** The device tree the boot hart was given. */
extern void *boot_dtb;

/** Hart 0's job (each sample's): its return value is the exit code (0: normal shutdown). */
int coordinator(unsigned long hartid);
/** A hart started by the coordinator (each sample's); the hart stops when it returns. */
void worker(unsigned long hartid, unsigned long opaque);

/** How many harts exist: HSM hart_get_status succeeds for 0..n-1 (at most MAX_HARTS). */
unsigned count_harts(void);
/**
 * Starts harts 0..n-1 but `me` at _secondary_start with opaque 0; on an error prints
 * "`name`: hart_start(h) failed: ..." and shuts down with failure.
 */
void start_other_harts(unsigned n, unsigned long me, const char *name);

#endif
