/**
 * gdb's `monitor` commands (qRcmd): the hypervisor's own views, named like the debug
 * console's, plus `info version`, which Linux's scripts/gdb sends to recognise a QEMU-style
 * stub (it then numbers CPUs by gdb thread, as this stub does: thread N is vCPU N - 1).
 */
import type { GuestDebugger } from '../debug';
import { evaluateConsole } from '../debug';

/** The version line `monitor info version` prints. */
export const STUB_VERSION = 'hyperscope 0.1.0 gdbstub';

const HELP = `monitor commands:
  help               this list
  info exits         the VM exit table (perf kvm stat style): count, time, per reason
  info vcpus         every vCPU: state, pc, privilege (VS, VU, HS, M), instructions retired
  info version       the stub's version
  translate ADDR     the two-stage walk of a guest virtual address on the current vCPU:
                     VS-stage PTEs (each PTE's GPA with its G-stage walk), the GPA, its
                     G-stage walk and the host physical address; ADDR is an expression
                     ($sp, a symbol, 0xffffffff80000000 + 8)
  (memory mode: maintenance packet Qqemu.PhyMemMode:1 makes gdb's memory accesses
   guest-physical, :0 goes back to the current vCPU's virtual addresses)`;

/** Runs one monitor command on `vcpu`; returns its text (ending with a newline). */
export function runMonitor(d: GuestDebugger, vcpu: number, line: string): string {
  const t = line.trim().replace(/\s+/g, ' ');
  try {
    if (t === '' || t === 'help') return HELP + '\n';
    if (t === 'info version') return STUB_VERSION + '\n';
    if (t === 'info exits' || t === 'exits') return evaluateConsole(d, vcpu, 'exits').text + '\n';
    if (t === 'info vcpus') return evaluateConsole(d, vcpu, 'info vcpus').text + '\n';
    if (/^translate /.test(t)) return evaluateConsole(d, vcpu, t).text + '\n';
  } catch (e) {
    return `error: ${(e as Error).message}\n`;
  }
  return `unknown command '${t}' (monitor help lists the commands)\n`;
}
