/*
 * SBI call wrappers (SBI spec v2.0, chapters 3-12).
 */
#include "sbi.h"

struct sbiret sbi_ecall(long eid, long fid, unsigned long arg0,
			unsigned long arg1, unsigned long arg2,
			unsigned long arg3, unsigned long arg4,
			unsigned long arg5)
{
	register unsigned long a0 __asm__("a0") = arg0;
	register unsigned long a1 __asm__("a1") = arg1;
	register unsigned long a2 __asm__("a2") = arg2;
	register unsigned long a3 __asm__("a3") = arg3;
	register unsigned long a4 __asm__("a4") = arg4;
	register unsigned long a5 __asm__("a5") = arg5;
	register unsigned long a6 __asm__("a6") = (unsigned long)fid;
	register unsigned long a7 __asm__("a7") = (unsigned long)eid;
	struct sbiret ret;

	__asm__ volatile("ecall"
			 : "+r"(a0), "+r"(a1)
			 : "r"(a2), "r"(a3), "r"(a4), "r"(a5), "r"(a6), "r"(a7)
			 : "memory");
	ret.error = (long)a0;
	ret.value = (long)a1;
	return ret;
}

void sbi_legacy_putchar(int ch)
{
	sbi_ecall(SBI_EXT_LEGACY_PUTCHAR, 0, (unsigned long)(unsigned char)ch, 0, 0, 0, 0, 0);
}

void sbi_legacy_shutdown(void)
{
	sbi_ecall(SBI_EXT_LEGACY_SHUTDOWN, 0, 0, 0, 0, 0, 0, 0);
}

/* BASE functions never fail; they return their result in value. */
static long sbi_base(long fid, unsigned long arg0)
{
	struct sbiret ret = sbi_ecall(SBI_EXT_BASE, fid, arg0, 0, 0, 0, 0, 0);
	return ret.error ? 0 : ret.value;
}

long sbi_get_spec_version(void) { return sbi_base(0, 0); }
long sbi_get_impl_id(void) { return sbi_base(1, 0); }
long sbi_get_impl_version(void) { return sbi_base(2, 0); }
long sbi_probe_extension(long eid) { return sbi_base(3, (unsigned long)eid); }
long sbi_get_mvendorid(void) { return sbi_base(4, 0); }
long sbi_get_marchid(void) { return sbi_base(5, 0); }
long sbi_get_mimpid(void) { return sbi_base(6, 0); }

struct sbiret sbi_set_timer(uint64_t stime_value)
{
	return sbi_ecall(SBI_EXT_TIME, 0, stime_value, 0, 0, 0, 0, 0);
}

struct sbiret sbi_send_ipi(unsigned long hart_mask, unsigned long hart_mask_base)
{
	return sbi_ecall(SBI_EXT_IPI, 0, hart_mask, hart_mask_base, 0, 0, 0, 0);
}

struct sbiret sbi_hart_start(unsigned long hartid, unsigned long start_addr,
			     unsigned long opaque)
{
	return sbi_ecall(SBI_EXT_HSM, 0, hartid, start_addr, opaque, 0, 0, 0);
}

struct sbiret sbi_hart_stop(void)
{
	return sbi_ecall(SBI_EXT_HSM, 1, 0, 0, 0, 0, 0, 0);
}

struct sbiret sbi_hart_get_status(unsigned long hartid)
{
	return sbi_ecall(SBI_EXT_HSM, 2, hartid, 0, 0, 0, 0, 0);
}

struct sbiret sbi_system_reset(unsigned long type, unsigned long reason)
{
	return sbi_ecall(SBI_EXT_SRST, 0, type, reason, 0, 0, 0, 0);
}

struct sbiret sbi_debug_console_write(unsigned long num_bytes, unsigned long base)
{
	/* base_addr_lo = base, base_addr_hi = 0 on RV64. */
	return sbi_ecall(SBI_EXT_DBCN, 0, num_bytes, base, 0, 0, 0, 0);
}

const char *sbi_strerror(long error)
{
	switch (error) {
	case SBI_SUCCESS: return "success";
	case SBI_ERR_FAILED: return "failed";
	case SBI_ERR_NOT_SUPPORTED: return "not supported";
	case SBI_ERR_INVALID_PARAM: return "invalid parameter";
	case SBI_ERR_DENIED: return "denied";
	case SBI_ERR_INVALID_ADDRESS: return "invalid address";
	case SBI_ERR_ALREADY_AVAILABLE: return "already available";
	case SBI_ERR_ALREADY_STARTED: return "already started";
	case SBI_ERR_ALREADY_STOPPED: return "already stopped";
	default: return "unknown error";
	}
}

void sbi_shutdown(int failure)
{
	sbi_system_reset(SBI_SRST_SHUTDOWN,
			 failure ? SBI_SRST_REASON_FAILURE : SBI_SRST_REASON_NONE);
	/* No SRST (SBI < 0.3): the legacy call. */
	sbi_legacy_shutdown();
	for (;;)
		__asm__ volatile("wfi");
}
