/*
 * A minimal flattened device tree reader (Devicetree Specification v0.4,
 * chapter 5: header, structure block tokens, strings block; big-endian).
 */
#ifndef SAMPLES_FDT_H
#define SAMPLES_FDT_H

#include <stdint.h>

/** Nonzero if dtb starts with a valid FDT header (magic 0xd00dfeed). */
int fdt_valid(const void *dtb);

/**
 * Find property `name` of the node at `path` ("/cpus", "/cpus/cpu@0"; a path
 * component without '@' also matches a node name with a unit address).
 * Returns a pointer to the value and its length in *len, or 0 if not found.
 */
const void *fdt_getprop(const void *dtb, const char *path, const char *name, int *len);

/**
 * Find property `name` of the cpu node under /cpus whose `reg` is hartid.
 * Returns the value and its length in *len, or 0.
 */
const void *fdt_cpu_getprop(const void *dtb, unsigned long hartid, const char *name, int *len);

/** Read a big-endian 32-bit cell. */
uint32_t fdt32(const void *p);

#endif
