/**
 * A hart's IMSIC and the AIA state around it (RISC-V AIA 1.0, Ssaia with the H extension): a
 * supervisor-level interrupt file, GEILEN guest interrupt files (numbers 1..GEILEN), siselect,
 * vsiselect and hvictl. The files' outputs become the hart's interrupt lines here:
 *
 *   SEIP  <- the supervisor-level file
 *   hgeip <- bit g for each guest file g that signals
 *   SGEIP <- (hgeip & hgeie) != 0            (privileged spec 9.2.4, hip)
 *   VSEIP <- hgeip bit hstatus.VGEIN         (OR hvip.VSEIP, which the hart adds)
 *
 * They are recomputed when a file, hgeie or hstatus.VGEIN changes, and kept in
 * `HartState.aiaLines`, so the hart's interrupt check costs one OR more than without AIA.
 * No machine-level file: nothing on this hart takes interrupts in M-mode from an IMSIC.
 */
import { Hstatus, Irq } from '../csr-numbers';
import { Slot } from '../hart-state';
import type { HartState } from '../hart-state';
import { InterruptFile } from './interrupt-file';

/** hvictl fields (AIA 6.3.3): VTI bit 30, IID 27:16 (6 bits kept), DPR bit 9, IPRIOM bit 8, IPRIO 7:0. */
export const HVICTL_MASK = (1 << 30) | (0x3f << 16) | (1 << 9) | (1 << 8) | 0xff;

/** The AIA part of one hart. */
export class HartAia {
  /** The supervisor-level interrupt file. */
  readonly sFile = new InterruptFile();
  /** Guest interrupt files, index 1..geilen; index 0 is the supervisor-level file (the order of the IMSIC's pages). */
  readonly guestFiles: InterruptFile[] = [];
  siselect = 0;
  vsiselect = 0;
  hvictl = 0;
  /** Guest files that signal, as the bits of hgeip (bit g for file g). */
  hgeip = 0;
  /** Called after the lines changed (the host's SGEI handler: wake a blocked vCPU). */
  onLines: (lines: number) => void = () => undefined;

  /**
   * @param h the hart's state (its aiaLines, hgeie and hstatus are read and written)
   * @param geilen number of guest interrupt files (GEILEN, 1..31: hgeip/hgeie bits in one word)
   */
  constructor(private readonly h: HartState, readonly geilen: number) {
    if (!Number.isInteger(geilen) || geilen < 1 || geilen > 31) throw new RangeError(`GEILEN must be 1..31, not ${geilen}`);
    this.guestFiles.push(this.sFile); // never selected by VGEIN, which starts at 1
    for (let g = 1; g <= geilen; g++) {
      const file = new InterruptFile();
      file.onChange = () => this.updateLines();
      this.guestFiles.push(file);
    }
    this.sFile.onChange = () => this.updateLines();
  }

  /** hstatus.VGEIN. */
  get vgein(): number {
    return (this.h.lo(Slot.HSTATUS) & Hstatus.VGEIN_MASK) >>> 12;
  }

  /** The guest file hstatus.VGEIN selects, or null when VGEIN is not a valid guest file number. */
  selectedGuestFile(): InterruptFile | null {
    const g = this.vgein;
    return g >= 1 && g <= this.geilen ? this.guestFiles[g] : null;
  }

  /** The bits hgeie may hold: 1..GEILEN. */
  get hgeieMask(): number {
    return (2 ** (this.geilen + 1) - 2) >>> 0;
  }

  /** Resets the files and registers (hart reset). */
  reset(): void {
    this.siselect = this.vsiselect = this.hvictl = 0;
    this.sFile.reset();
    for (let g = 1; g <= this.geilen; g++) this.guestFiles[g].reset();
    this.updateLines();
  }

  /** Recomputes hgeip and the SEIP, SGEIP and VSEIP lines from the files, hgeie and VGEIN. */
  updateLines(): void {
    let hgeip = 0;
    for (let g = 1; g <= this.geilen; g++) if (this.guestFiles[g].signalling) hgeip |= 1 << g;
    this.hgeip = hgeip >>> 0;
    let lines = this.sFile.signalling ? 1 << Irq.SEI : 0;
    if ((hgeip & this.h.hgeie) !== 0) lines |= 1 << Irq.SGEI;
    const g = this.vgein;
    if (g >= 1 && g <= this.geilen && ((hgeip >>> g) & 1) !== 0) lines |= 1 << Irq.VSEI;
    const changed = lines !== this.h.aiaLines;
    this.h.aiaLines = lines;
    if (changed) this.onLines(lines);
  }
}
