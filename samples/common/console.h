/*
 * The guest console, through SBI: DBCN write (SBI v2.0) when the firmware has it,
 * otherwise the legacy console_putchar. The bytes that reach the console are the
 * same either way.
 */
#ifndef SAMPLES_CONSOLE_H
#define SAMPLES_CONSOLE_H

#include <stddef.h>

/** Probe for DBCN once; called lazily by console_write. */
void console_init(void);
/** Nonzero if the console writes through DBCN, zero for legacy putchar. */
int console_uses_dbcn(void);
/** Write n bytes (buf must be identity-mapped: DBCN takes a physical address). */
void console_write(const char *buf, size_t n);

#endif
