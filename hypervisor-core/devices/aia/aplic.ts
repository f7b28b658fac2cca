/**
 * An APLIC interrupt domain in MSI delivery mode (RISC-V AIA 1.0, chapter 4 "Advanced
 * Platform-Level Interrupt Controller"), as the supervisor-level domain of QEMU virt's
 * `aia=aplic-imsic` board looks to its OS: `riscv,aplic` at 0x0d000000, sources 1..95
 * (`riscv,num-sources = <96>`), domaincfg.DM read-only 1 (the board has no IDCs), no child
 * domains (sourcecfg.D read-only 0). Pending interrupts that are enabled go out as MSIs to
 * the (hart index, guest index, EIID) in their target register, through `msi`.
 *
 *   0x0000          domaincfg          IE (bit 8); DM (bit 2) reads 1; bits 31:24 read 0x80
 *   0x0004+4(i-1)   sourcecfg[i]       SM 2:0: 0 inactive, 1 detached, 4/5 edge rise/fall, 6/7 level high/low
 *   0x1c00+4k       setip[k]           pending bits (read); set them (write)
 *   0x1cdc          setipnum
 *   0x1d00+4k       in_clrip[k]        rectified inputs (read); clear pending (write)
 *   0x1ddc          clripnum
 *   0x1e00+4k       setie[k]           enable bits (read); set them (write)
 *   0x1edc          setienum
 *   0x1f00+4k       clrie[k]           clear enables (write; reads 0)
 *   0x1fdc          clrienum
 *   0x2000 / 0x2004 setipnum_le / setipnum_be
 *   0x3000          genmsi             hart index 31:18, EIID 10:0: send an MSI now (Busy reads 0)
 *   0x3004+4(i-1)   target[i]          hart index 31:18, guest index 17:12, EIID 10:0
 *
 * Pending-bit rules are the spec's 4.7 "Precise effects on interrupt-pending bits" for MSI
 * mode: an edge source (or a level source, on its low-to-high transition) sets its pending
 * bit; forwarding an MSI clears it; a level source's bit also clears while its input is low,
 * and setip/setipnum set it only while the input is high (Linux's driver writes setipnum_le
 * after handling a level interrupt, so one still asserted comes again).
 */
import type { MmioDevice } from '../../bus/device';
import type { IrqLine } from '../irq-line';
import type { FdtBuilder } from '../../machine/fdt-builder';
import { unitAddress, type FdtContext, type FdtDescribable } from '../fdt-describable';

/** Sources 1..95 (the device tree says 96, counting source 0, as QEMU 7.2 writes it). */
export const APLIC_NUM_SOURCES = 95;

/** An MSI the domain sends: the target's hart index, guest index and interrupt identity. */
export type MsiSink = (hartIndex: number, guestIndex: number, eiid: number) => void;

const enum Sm { INACTIVE = 0, DETACHED = 1, EDGE1 = 4, EDGE0 = 5, LEVEL1 = 6, LEVEL0 = 7 }
const enum Reg {
  DOMAINCFG = 0x0000, SOURCECFG = 0x0004, SETIP = 0x1c00, SETIPNUM = 0x1cdc, IN_CLRIP = 0x1d00,
  CLRIPNUM = 0x1ddc, SETIE = 0x1e00, SETIENUM = 0x1edc, CLRIE = 0x1f00, CLRIENUM = 0x1fdc,
  SETIPNUM_LE = 0x2000, SETIPNUM_BE = 0x2004, GENMSI = 0x3000, TARGET = 0x3004,
}
const DOMAINCFG_IE = 1 << 8;
const DOMAINCFG_DM = 1 << 2;
/** target in MSI mode: hart index 31:18, guest index 17:12, EIID 10:0. */
const TARGET_MASK = (0x3fff << 18) | (0x3f << 12) | 0x7ff;
const WORDS = (APLIC_NUM_SOURCES + 1 + 31) >>> 5;

/** Construction options of {@link Aplic}. */
export interface AplicOptions {
  /** Where MSIs go (the hypervisor delivers them into the target vCPU's interrupt file). */
  msi: MsiSink;
  /** Name in statistics (default "aplic"). */
  name?: string;
}

/** One APLIC interrupt domain in MSI delivery mode. */
export class Aplic implements MmioDevice, FdtDescribable {
  /** @inheritdoc */
  readonly name: string;
  /** MSIs sent (forwarded interrupts and genmsi writes). */
  msisSent = 0;
  private readonly msi: MsiSink;
  private ie = false;
  private readonly sm = new Uint8Array(APLIC_NUM_SOURCES + 1);
  private readonly target = new Uint32Array(APLIC_NUM_SOURCES + 1);
  private readonly input = new Uint8Array(APLIC_NUM_SOURCES + 1);
  private readonly pending = new Uint32Array(WORDS);
  private readonly enabled = new Uint32Array(WORDS);
  private readonly lines: IrqLine[] = [];

  constructor(opts: AplicOptions) {
    this.name = opts.name ?? 'aplic';
    this.msi = opts.msi;
    for (let i = 0; i <= APLIC_NUM_SOURCES; i++) this.lines.push({ set: (level: boolean) => this.setInput(i, level) });
  }

  /** The input wire of source `n` (1..95). */
  source(n: number): IrqLine {
    if (!Number.isInteger(n) || n < 1 || n > APLIC_NUM_SOURCES) throw new Error(`APLIC source ${n} out of range 1..${APLIC_NUM_SOURCES}`);
    return this.lines[n];
  }

  /** Whether source `n` is pending (tests, the debugger). */
  isPending(n: number): boolean {
    return n >= 1 && n <= APLIC_NUM_SOURCES && this.bit(this.pending, n);
  }

  /** @inheritdoc */
  read(offset: number, _size: 1 | 2 | 4): number {
    if (offset === Reg.DOMAINCFG) return (0x80000000 | (this.ie ? DOMAINCFG_IE : 0) | DOMAINCFG_DM) >>> 0;
    if (offset >= Reg.SOURCECFG && offset < Reg.SOURCECFG + 4 * APLIC_NUM_SOURCES) return this.sm[(offset - Reg.SOURCECFG) / 4 + 1];
    if (offset >= Reg.TARGET && offset < Reg.TARGET + 4 * APLIC_NUM_SOURCES) return this.target[(offset - Reg.TARGET) / 4 + 1];
    const k = (offset & 0x7f) >>> 2;
    if (k < WORDS && (offset & 3) === 0) {
      switch (offset & ~0x7f) {
        case Reg.SETIP: return this.pending[k];
        case Reg.IN_CLRIP: return this.rectifiedWord(k);
        case Reg.SETIE: return this.enabled[k];
      }
    }
    return 0; // clrie, the *num registers, genmsi (never busy) and everything else
  }

  /** @inheritdoc */
  write(offset: number, _size: 1 | 2 | 4, value: number): void {
    value >>>= 0;
    if (offset === Reg.DOMAINCFG) {
      this.ie = (value & DOMAINCFG_IE) !== 0;
      for (let i = 1; i <= APLIC_NUM_SOURCES; i++) this.forward(i);
    } else if (offset >= Reg.SOURCECFG && offset < Reg.SOURCECFG + 4 * APLIC_NUM_SOURCES) {
      this.writeSourcecfg((offset - Reg.SOURCECFG) / 4 + 1, value);
    } else if (offset >= Reg.TARGET && offset < Reg.TARGET + 4 * APLIC_NUM_SOURCES) {
      const i = (offset - Reg.TARGET) / 4 + 1;
      if (this.sm[i] !== Sm.INACTIVE) this.target[i] = value & TARGET_MASK;
    } else if (offset === Reg.SETIPNUM || offset === Reg.SETIPNUM_LE) {
      this.setPending(value);
    } else if (offset === Reg.SETIPNUM_BE) {
      this.setPending((((value & 0xff) << 24) | ((value & 0xff00) << 8) | ((value >>> 8) & 0xff00) | (value >>> 24)) >>> 0);
    } else if (offset === Reg.CLRIPNUM) {
      this.clearPending(value);
    } else if (offset === Reg.SETIENUM) {
      this.setEnable(value, true);
    } else if (offset === Reg.CLRIENUM) {
      this.setEnable(value, false);
    } else if (offset === Reg.GENMSI) {
      this.send(value >>> 18, 0, value & 0x7ff);
    } else if ((offset & 3) === 0 && ((offset & 0x7f) >>> 2) < WORDS) {
      const base = ((offset & 0x7f) >>> 2) << 5;
      const reg = offset & ~0x7f;
      if (reg !== Reg.SETIP && reg !== Reg.IN_CLRIP && reg !== Reg.SETIE && reg !== Reg.CLRIE) return;
      for (let b = 0; b < 32; b++) {
        if (((value >>> b) & 1) === 0) continue;
        const i = base + b;
        if (reg === Reg.SETIP) this.setPending(i);
        else if (reg === Reg.IN_CLRIP) this.clearPending(i);
        else this.setEnable(i, reg === Reg.SETIE);
      }
    }
  }

  /** @inheritdoc */
  describe(fdt: FdtBuilder, ctx: FdtContext): void {
    fdt
      .beginNode(`aplic@${unitAddress(ctx.base)}`)
      .propU32('phandle', ctx.plicPhandle)
      .propU32('riscv,num-sources', APLIC_NUM_SOURCES + 1)
      .propU64Array('reg', [ctx.base, ctx.size])
      .propU32('msi-parent', ctx.imsicPhandle ?? 0)
      .propEmpty('interrupt-controller')
      .propU32('#interrupt-cells', 2)
      .propString('compatible', 'riscv,aplic')
      .endNode();
  }

  private valid(i: number): boolean {
    return i >= 1 && i <= APLIC_NUM_SOURCES && this.sm[i] !== Sm.INACTIVE;
  }

  private bit(arr: Uint32Array, i: number): boolean {
    return (arr[i >>> 5] & (1 << (i & 31))) !== 0;
  }

  private put(arr: Uint32Array, i: number, on: boolean): void {
    if (on) arr[i >>> 5] |= 1 << (i & 31);
    else arr[i >>> 5] &= ~(1 << (i & 31));
  }

  /** The source's input as its mode reads it (inverted for Edge0/Level0; 0 when detached or inactive). */
  private rectified(i: number): boolean {
    const sm = this.sm[i];
    if (sm === Sm.EDGE1 || sm === Sm.LEVEL1) return this.input[i] === 1;
    if (sm === Sm.EDGE0 || sm === Sm.LEVEL0) return this.input[i] === 0;
    return false;
  }

  private rectifiedWord(k: number): number {
    let w = 0;
    for (let b = 0; b < 32; b++) if (this.rectified((k << 5) + b)) w |= 1 << b;
    return w >>> 0;
  }

  private isLevel(i: number): boolean {
    return this.sm[i] === Sm.LEVEL1 || this.sm[i] === Sm.LEVEL0;
  }

  private writeSourcecfg(i: number, value: number): void {
    // D (bit 10) is read-only 0: this domain has no children. Reserved modes 2 and 3 read as inactive.
    const sm = (value & 0x400) !== 0 ? Sm.INACTIVE : value & 7;
    this.sm[i] = sm === 2 || sm === 3 ? Sm.INACTIVE : sm;
    if (this.sm[i] === Sm.INACTIVE) {
      this.put(this.pending, i, false);
      this.put(this.enabled, i, false);
      this.target[i] = 0;
      return;
    }
    if (this.isLevel(i)) this.put(this.pending, i, this.rectified(i) && this.bit(this.pending, i));
    this.forward(i);
  }

  private setInput(i: number, level: boolean): void {
    const before = this.rectified(i);
    this.input[i] = level ? 1 : 0;
    const after = this.rectified(i);
    if (!before && after && this.sm[i] !== Sm.DETACHED) this.put(this.pending, i, true);
    if (!after && this.isLevel(i)) this.put(this.pending, i, false);
    this.forward(i);
  }

  private setPending(i: number): void {
    if (!this.valid(i)) return;
    if (this.isLevel(i) && !this.rectified(i)) return; // MSI mode: only while the input is high
    this.put(this.pending, i, true);
    this.forward(i);
  }

  private clearPending(i: number): void {
    if (this.valid(i)) this.put(this.pending, i, false);
  }

  private setEnable(i: number, on: boolean): void {
    if (!this.valid(i)) return;
    this.put(this.enabled, i, on);
    this.forward(i);
  }

  /** Sends source i's MSI when it is pending, enabled and the domain's IE is set; clears its pending bit. */
  private forward(i: number): void {
    if (!this.ie || !this.bit(this.pending, i) || !this.bit(this.enabled, i)) return;
    this.put(this.pending, i, false);
    const t = this.target[i];
    this.send(t >>> 18, (t >>> 12) & 0x3f, t & 0x7ff);
  }

  private send(hartIndex: number, guestIndex: number, eiid: number): void {
    this.msisSent++;
    this.msi(hartIndex, guestIndex, eiid);
  }
}
