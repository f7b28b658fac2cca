/**
 * The Linux kernel commands of the Debug Console, named after the kernel's own gdb scripts
 * (scripts/gdb/linux: lx-dmesg, lx-ps, lx-cmdline, lx-version, lx-cpus).
 */
import type { ConsoleCommand } from '../console-commands';

/** The lx-* commands. */
export const LINUX_COMMANDS: ConsoleCommand[] = [];
