/*
 * A tiny printf for the samples: %d %i %u %x %X %lx %ld %lu %s %c %p %%,
 * with optional '0' flag, field width and 'l'/'ll' length. No floating point.
 * Each call formats into a buffer and writes it to the SBI console in one piece,
 * under a lock, so lines from different harts never interleave.
 */
#ifndef SAMPLES_PRINTF_H
#define SAMPLES_PRINTF_H

#include <stdarg.h>
#include <stddef.h>

/** Format and write to the console; returns the number of bytes written. */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** printf with a va_list. */
int vprintf(const char *fmt, va_list ap);
/** Format into buf (always NUL-terminated when size > 0); returns the length. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
/** snprintf over vsnprintf. */
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/** Write a string and a newline. */
int puts(const char *s);

#endif
