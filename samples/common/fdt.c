/*
 * Minimal FDT walker.
 *
 * Header (all fields big-endian u32): magic, totalsize, off_dt_struct,
 * off_dt_strings, off_mem_rsvmap, version, last_comp_version, boot_cpuid_phys,
 * size_dt_strings, size_dt_struct. Structure tokens: BEGIN_NODE (1) + name,
 * END_NODE (2), PROP (3) + len + nameoff + value, NOP (4), END (9); all 4-byte aligned.
 */
#include "fdt.h"
#include "string.h"

#define FDT_MAGIC      0xd00dfeed
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE   2
#define FDT_PROP       3
#define FDT_NOP        4
#define FDT_END        9

uint32_t fdt32(const void *p)
{
	const uint8_t *b = p;
	return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

int fdt_valid(const void *dtb)
{
	return dtb && fdt32(dtb) == FDT_MAGIC;
}

/* One structure-block token, decoded. */
struct token {
	uint32_t kind;
	const char *name;  /* node name (BEGIN_NODE) or property name (PROP) */
	const void *value; /* PROP only */
	int len;           /* PROP only */
};

/* Decode the token at *pos and advance *pos past it. */
static void next_token(const uint8_t *base, const char *strings, uint32_t *pos,
		       struct token *t)
{
	t->kind = fdt32(base + *pos);
	*pos += 4;
	if (t->kind == FDT_BEGIN_NODE) {
		t->name = (const char *)(base + *pos);
		*pos += (uint32_t)strlen(t->name) + 1;
	} else if (t->kind == FDT_PROP) {
		t->len = (int)fdt32(base + *pos);
		t->name = strings + fdt32(base + *pos + 4);
		t->value = base + *pos + 8;
		*pos += 8 + (uint32_t)t->len;
	}
	*pos = (*pos + 3) & ~3u;
}

/* Does node name `node` match the path component comp[0..n)? "cpu" matches "cpu@0". */
static int name_matches(const char *node, const char *comp, int n)
{
	if (strncmp(node, comp, (size_t)n) != 0)
		return 0;
	return node[n] == '\0' || node[n] == '@';
}

const void *fdt_getprop(const void *dtb, const char *path, const char *name, int *len)
{
	if (!fdt_valid(dtb))
		return 0;
	const uint8_t *base = dtb;
	const char *strings = (const char *)base + fdt32(base + 12);
	uint32_t pos = fdt32(base + 8);
	/* Split the path into components (at most 8). */
	const char *comp[8];
	int comp_len[8], ncomp = 0;
	for (const char *p = path; *p;) {
		while (*p == '/')
			p++;
		if (!*p || ncomp == 8)
			break;
		comp[ncomp] = p;
		while (*p && *p != '/')
			p++;
		comp_len[ncomp] = (int)(p - comp[ncomp]);
		ncomp++;
	}

	int depth = -1;   /* depth of the current node; the root is 0 */
	int matched = -1; /* deepest node depth on the current branch that matches the path */
	struct token t;
	for (;;) {
		next_token(base, strings, &pos, &t);
		switch (t.kind) {
		case FDT_BEGIN_NODE:
			depth++;
			if (depth == 0)
				matched = 0;
			else if (matched == depth - 1 && depth <= ncomp &&
				 name_matches(t.name, comp[depth - 1], comp_len[depth - 1]))
				matched = depth;
			break;
		case FDT_END_NODE:
			if (matched == depth)
				matched--;
			depth--;
			break;
		case FDT_PROP:
			if (matched == depth && depth == ncomp && strcmp(t.name, name) == 0) {
				if (len)
					*len = t.len;
				return t.value;
			}
			break;
		case FDT_NOP:
			break;
		default: /* FDT_END or garbage */
			return 0;
		}
	}
}

const void *fdt_cpu_getprop(const void *dtb, unsigned long hartid, const char *name, int *len)
{
	if (!fdt_valid(dtb))
		return 0;
	const uint8_t *base = dtb;
	const char *strings = (const char *)base + fdt32(base + 12);
	uint32_t pos = fdt32(base + 8);
	int depth = -1, in_cpus = 0, in_cpu = 0;
	unsigned long reg = ~0UL;
	const void *found = 0;
	int found_len = 0;
	struct token t;

	for (;;) {
		next_token(base, strings, &pos, &t);
		switch (t.kind) {
		case FDT_BEGIN_NODE:
			depth++;
			if (depth == 1 && strcmp(t.name, "cpus") == 0)
				in_cpus = 1;
			if (depth == 2 && in_cpus && name_matches(t.name, "cpu", 3)) {
				in_cpu = 1;
				reg = ~0UL;
				found = 0;
			}
			break;
		case FDT_END_NODE:
			if (depth == 2 && in_cpu) {
				if (reg == hartid && found) {
					if (len)
						*len = found_len;
					return found;
				}
				in_cpu = 0;
			}
			if (depth == 1)
				in_cpus = 0;
			depth--;
			break;
		case FDT_PROP:
			if (depth == 2 && in_cpu) {
				if (strcmp(t.name, "reg") == 0 && t.len >= 4)
					reg = fdt32((const uint8_t *)t.value + t.len - 4);
				else if (strcmp(t.name, name) == 0) {
					found = t.value;
					found_len = t.len;
				}
			}
			break;
		case FDT_NOP:
			break;
		default:
			return 0;
		}
	}
}
