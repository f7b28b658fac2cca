/*
 * Numbers the kernel command line (/chosen/bootargs in the device tree) passes to a sample:
 * `hyperscope run --append "rounds=3"`, QEMU's `-append "rounds=3"`.
 */
#ifndef SAMPLES_BOOTARGS_H
#define SAMPLES_BOOTARGS_H

/**
 * The decimal number after `key` (with its '=', "rounds=") in /chosen/bootargs of `dtb`, or
 * `fallback` when the key is not there. The digits end at the first non-digit (none: 0).
 */
unsigned long bootarg_ulong(const void *dtb, const char *key, unsigned long fallback);

#endif
