/**
 * A vCPU thread answers the guest's PLIC accesses itself, over the PLIC state the VM's thread
 * shares with it (devices/plic.ts, `share()`): Linux's PLIC driver sets up every source and
 * context with some 580 accesses in a burst on the boot vCPU (priorities, and each enable bit
 * read and written back), and each took a round trip to the VM's thread (about 0.27 ms each
 * on a loaded 2-core host: 157 ms of the boot) against a few microseconds here. Claims and
 * completions too: the lock in the state orders them with the devices' lines, which the VM's
 * thread drives. Each access is noted for the VM's thread, which counts it as the MMIO exit it
 * is (exit-recording.ts recordThreadMmio).
 */
import type { Hart } from '../../hart/hart';
import { Slot } from '../../hart/hart-state';
import type { Plic } from '../../devices/plic';
import type { ThreadMmioAccess } from '../exit-recording';
import { threadMmio } from './thread-mmio';
import { finishMmio } from '../exit-completion';

/** Numbers per access in a note (`notePlicAccess`, `readPlicNote`). */
export const PLIC_NOTE_WIDTH = 11;

/**
 * Handles the exit `h` stopped with when it is a 32-bit access to the PLIC at guest physical
 * [base, base + size), appending its note to `notes`; false leaves the exit for the VM's
 * thread (another width, which it answers as its bus does).
 */
export function plicOnThread(h: Hart, vcpu: number, plic: Plic, base: number, size: number, notes: number[]): boolean {
  const t0 = performance.now();
  const a = threadMmio(h);
  if (a === null || a.size !== 4 || a.gpa < base || a.gpa + 4 > base + size) return false;
  const pcLo = h.lo(Slot.SEPC), pcHi = h.hi(Slot.SEPC), stvalLo = h.lo(Slot.STVAL), stvalHi = h.hi(Slot.STVAL), htinst = h.lo(Slot.HTINST);
  let value: number;
  if (a.write) {
    value = h.x[a.reg * 2];
    plic.write(a.gpa - base, 4, value);
  } else value = plic.read(a.gpa - base, 4);
  finishMmio(h, a, value, 0);
  const ns = Math.round((performance.now() - t0) * 1e6);
  notes.push(vcpu, a.gpa, a.write ? 1 : 0, value, pcLo, pcHi, stvalLo, stvalHi, htinst, h.instret, ns);
  return true;
}

/** Note `i` of `notes` as the VM's thread records it (into `into`, reused). */
export function readPlicNote(notes: readonly number[], i: number, into: ThreadMmioAccess): ThreadMmioAccess {
  const o = i * PLIC_NOTE_WIDTH;
  into.vcpu = notes[o]; into.gpa = notes[o + 1]; into.size = 4; into.write = notes[o + 2] !== 0; into.value = notes[o + 3];
  into.pcLo = notes[o + 4]; into.pcHi = notes[o + 5]; into.stvalLo = notes[o + 6]; into.stvalHi = notes[o + 7];
  into.htinst = notes[o + 8]; into.instret = notes[o + 9]; into.ns = notes[o + 10];
  return into;
}
