/*
 * hello: the smallest Hyperscope guest.
 *
 * Prints a greeting through the SBI console (DBCN write when the firmware has
 * SBI v2.0's debug console, otherwise legacy console_putchar: the text is the
 * same), reports what the SBI implementation says about itself on lines
 * starting with "sbi:" (they differ between OpenSBI and the hypervisor), then
 * shuts the machine down with SRST, falling back to the legacy shutdown call.
 *
 * SBI calls made: BASE get_spec_version, get_impl_id, get_impl_version,
 * get_mvendorid/marchid/mimpid, probe_extension (DBCN and the others listed
 * below); DBCN write or legacy putchar for every line; SRST system_reset.
 */
#include "console.h"
#include "fdt.h"
#include "printf.h"
#include "sbi.h"

/* The extensions this sample asks BASE about, with their names. */
static const struct {
	long eid;
	const char *name;
} extensions[] = {
	{ SBI_EXT_TIME, "TIME" },
	{ SBI_EXT_IPI, "IPI" },
	{ SBI_EXT_RFENCE, "RFENCE" },
	{ SBI_EXT_HSM, "HSM" },
	{ SBI_EXT_SRST, "SRST" },
	{ SBI_EXT_PMU, "PMU" },
	{ SBI_EXT_DBCN, "DBCN" },
};

/* Names of the SBI implementation ids registered in the SBI spec (chapter 4.9). */
static const char *impl_name(long id)
{
	static const char *const names[] = {
		"BBL", "OpenSBI", "Xvisor", "KVM", "RustSBI", "Diosix",
		"Coffer", "Xen", "PolarFire HSS", "coreboot", "oreboot", "bhyve",
	};
	if (id >= 0 && id < (long)(sizeof(names) / sizeof(names[0])))
		return names[id];
	return "unknown";
}

/* The greeting: identical on every SBI implementation. */
static void say_hello(unsigned long hartid, void *dtb)
{
	printf("Hello from a Hyperscope guest!\n");
	printf("hello: running in S-mode on hart %lu\n", hartid);
	printf("hello: device tree %s\n", fdt_valid(dtb) ? "present" : "missing");
}

/* What BASE reports: printed on "sbi:" lines, which tests ignore. */
static void print_sbi_info(void)
{
	long version = sbi_get_spec_version();
	long impl = sbi_get_impl_id();

	printf("sbi: spec version %ld.%ld, implementation %s (id %ld) version 0x%lx\n",
	       (version >> 24) & 0x7f, version & 0xffffff, impl_name(impl), impl,
	       sbi_get_impl_version());
	printf("sbi: mvendorid 0x%lx marchid 0x%lx mimpid 0x%lx\n",
	       sbi_get_mvendorid(), sbi_get_marchid(), sbi_get_mimpid());

	char line[128];
	int n = snprintf(line, sizeof(line), "sbi: extensions:");
	for (unsigned i = 0; i < sizeof(extensions) / sizeof(extensions[0]); i++) {
		if (sbi_probe_extension(extensions[i].eid))
			n += snprintf(line + n, sizeof(line) - (unsigned)n, " %s", extensions[i].name);
	}
	printf("%s\n", line);
	printf("sbi: console through %s\n",
	       console_uses_dbcn() ? "DBCN write" : "legacy console_putchar");
}

/* Shut down: SRST first, then the legacy call for firmware older than SBI 0.3. */
static void shutdown(void)
{
	printf("hello: shutting down\n");
	struct sbiret ret = sbi_system_reset(SBI_SRST_SHUTDOWN, SBI_SRST_REASON_NONE);
	printf("sbi: SRST system_reset failed (%s), trying legacy shutdown\n",
	       sbi_strerror(ret.error));
	sbi_legacy_shutdown();
}

int main(unsigned long hartid, void *dtb)
{
	say_hello(hartid, dtb);
	print_sbi_info();
	printf("hello: the console works, goodbye\n");
	shutdown();
	return 1; /* not reached unless every shutdown call failed */
}
