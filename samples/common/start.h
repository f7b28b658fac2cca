/*
 * What crt0.S calls, and the defaults for what a sample does not define.
 */
#ifndef SAMPLES_START_H
#define SAMPLES_START_H

/** The boot hart's C entry (defined by each sample). */
int main(unsigned long hartid, void *dtb);
/** A hart started with HSM hart_start at _secondary_start (weak default: stop). */
void secondary_main(unsigned long hartid, unsigned long opaque);
/** The entry address to give sbi_hart_start. */
extern char _secondary_start[];
/** Shut the machine down: exit code 0 = normal shutdown, else system failure. */
void exit(int code) __attribute__((noreturn));
/** Stop the calling hart through HSM (and park it if that fails). */
void hart_exit(void) __attribute__((noreturn));
/** The catch-all trap report (from crt0's default stvec). */
void unexpected_trap(unsigned long scause, unsigned long sepc, unsigned long stval)
	__attribute__((noreturn));

#endif
