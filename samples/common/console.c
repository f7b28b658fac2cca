/*
 * SBI console output: DBCN write if probed present, else legacy putchar (EID 0x01).
 */
#include "console.h"
#include "sbi.h"

/* 0 = not probed yet, 1 = legacy putchar, 2 = DBCN. */
static volatile int console_mode;

void console_init(void)
{
	if (console_mode)
		return;
	console_mode = sbi_probe_extension(SBI_EXT_DBCN) ? 2 : 1;
}

int console_uses_dbcn(void)
{
	console_init();
	return console_mode == 2;
}

/* DBCN may write fewer bytes than asked: loop until everything is out. */
static void dbcn_write_all(const char *buf, size_t n)
{
	while (n > 0) {
		struct sbiret ret = sbi_debug_console_write(n, (unsigned long)buf);
		if (ret.error != SBI_SUCCESS) {
			/* Fall back for the rest rather than lose output. */
			while (n--)
				sbi_legacy_putchar(*buf++);
			return;
		}
		buf += ret.value;
		n -= (size_t)ret.value;
	}
}

void console_write(const char *buf, size_t n)
{
	console_init();
	if (console_mode == 2) {
		dbcn_write_all(buf, n);
		return;
	}
	for (size_t i = 0; i < n; i++)
		sbi_legacy_putchar(buf[i]);
}
