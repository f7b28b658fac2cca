/*
 * Numbers from the kernel command line: see bootargs.h.
 */
#include "bootargs.h"
#include "fdt.h"
#include "string.h"

unsigned long bootarg_ulong(const void *dtb, const char *key, unsigned long fallback)
{
	int len = 0;
	const char *args = fdt_getprop(dtb, "/chosen", "bootargs", &len);
	int klen = (int)strlen(key);
	for (int i = 0; args && i + klen <= len; i++) {
		if (strncmp(args + i, key, (size_t)klen) == 0) {
			unsigned long n = 0;
			for (i += klen; i < len && args[i] >= '0' && args[i] <= '9'; i++)
				n = n * 10 + (unsigned long)(args[i] - '0');
			return n;
		}
	}
	return fallback;
}
