/*
 * SBI calls (RISC-V Supervisor Binary Interface, v2.0).
 *
 * Calling convention (chapter 3): a7 = extension id (EID), a6 = function id (FID),
 * a0..a5 = arguments; returns a0 = error, a1 = value. Legacy extensions
 * (EID 0x00..0x0F, chapter 5) return a single value in a0.
 */
#ifndef SAMPLES_SBI_H
#define SAMPLES_SBI_H

#include <stdint.h>

/* Extension ids. */
#define SBI_EXT_LEGACY_SET_TIMER     0x00
#define SBI_EXT_LEGACY_PUTCHAR       0x01
#define SBI_EXT_LEGACY_GETCHAR       0x02
#define SBI_EXT_LEGACY_SHUTDOWN      0x08
#define SBI_EXT_BASE                 0x10
#define SBI_EXT_TIME                 0x54494D45 /* "TIME" */
#define SBI_EXT_IPI                  0x00735049 /* "sPI" */
#define SBI_EXT_RFENCE               0x52464E43 /* "RFNC" */
#define SBI_EXT_HSM                  0x0048534D /* "HSM" */
#define SBI_EXT_SRST                 0x53525354 /* "SRST" */
#define SBI_EXT_PMU                  0x00504D55 /* "PMU" */
#define SBI_EXT_DBCN                 0x4442434E /* "DBCN" */

/* Error codes (3.2). */
#define SBI_SUCCESS                0
#define SBI_ERR_FAILED            -1
#define SBI_ERR_NOT_SUPPORTED     -2
#define SBI_ERR_INVALID_PARAM     -3
#define SBI_ERR_DENIED            -4
#define SBI_ERR_INVALID_ADDRESS   -5
#define SBI_ERR_ALREADY_AVAILABLE -6
#define SBI_ERR_ALREADY_STARTED   -7
#define SBI_ERR_ALREADY_STOPPED   -8

/* HSM hart states (9.1). */
#define SBI_HSM_STARTED         0
#define SBI_HSM_STOPPED         1
#define SBI_HSM_START_PENDING   2
#define SBI_HSM_STOP_PENDING    3
#define SBI_HSM_SUSPENDED       4
#define SBI_HSM_SUSPEND_PENDING 5
#define SBI_HSM_RESUME_PENDING  6

/* SRST types and reasons (10.1). */
#define SBI_SRST_SHUTDOWN       0
#define SBI_SRST_COLD_REBOOT    1
#define SBI_SRST_WARM_REBOOT    2
#define SBI_SRST_REASON_NONE    0
#define SBI_SRST_REASON_FAILURE 1

/** What every non-legacy SBI call returns. */
struct sbiret {
	long error; /**< SBI_SUCCESS or a negative SBI_ERR_* code */
	long value; /**< the function's result when error == SBI_SUCCESS */
};

/** Raw SBI call: ecall with a7 = eid, a6 = fid, a0..a5 = args. */
struct sbiret sbi_ecall(long eid, long fid, unsigned long arg0,
			unsigned long arg1, unsigned long arg2,
			unsigned long arg3, unsigned long arg4,
			unsigned long arg5);

/* Legacy extensions (deprecated, but every firmware still has them). */
/** Legacy console_putchar (EID 0x01). */
void sbi_legacy_putchar(int ch);
/** Legacy shutdown (EID 0x08); does not return on success. */
void sbi_legacy_shutdown(void);

/* BASE (EID 0x10). */
/** Spec version: major in bits 30:24, minor in bits 23:0. */
long sbi_get_spec_version(void);
/** Implementation id (0 BBL, 1 OpenSBI, 3 KVM, ...). */
long sbi_get_impl_id(void);
/** Implementation version (encoding chosen by the implementation). */
long sbi_get_impl_version(void);
/** Nonzero if the extension is available (the value of probe_extension). */
long sbi_probe_extension(long eid);
/** mvendorid / marchid / mimpid of the hart, as the firmware reports them. */
long sbi_get_mvendorid(void);
long sbi_get_marchid(void);
long sbi_get_mimpid(void);

/* TIME (EID "TIME"). */
/** Program the next timer event at absolute `time` value stime_value. */
struct sbiret sbi_set_timer(uint64_t stime_value);

/* IPI (EID "sPI"). */
/** Send a supervisor software interrupt to the harts in hart_mask << hart_mask_base. */
struct sbiret sbi_send_ipi(unsigned long hart_mask, unsigned long hart_mask_base);

/* HSM (EID "HSM"). */
/** Start a stopped hart at start_addr (S-mode, satp = 0) with a0 = hartid, a1 = opaque. */
struct sbiret sbi_hart_start(unsigned long hartid, unsigned long start_addr,
			     unsigned long opaque);
/** Stop the calling hart; does not return on success. */
struct sbiret sbi_hart_stop(void);
/** The HSM state of a hart (SBI_HSM_*), or SBI_ERR_INVALID_PARAM for no such hart. */
struct sbiret sbi_hart_get_status(unsigned long hartid);

/* SRST (EID "SRST"). */
/** Reset or shut down the system; does not return on success. */
struct sbiret sbi_system_reset(unsigned long type, unsigned long reason);

/* DBCN (EID "DBCN", SBI v2.0). */
/** Write num_bytes from physical address base; value = bytes written. */
struct sbiret sbi_debug_console_write(unsigned long num_bytes, unsigned long base);

/** Human-readable name of an SBI error code. */
const char *sbi_strerror(long error);

/**
 * Shut the machine down: SRST shutdown (reason none, or system failure if
 * failure != 0), then legacy shutdown, then spin.
 */
void sbi_shutdown(int failure) __attribute__((noreturn));

#endif
