/**
 * One IMSIC interrupt file (RISC-V AIA 1.0, chapter 3 "Incoming MSI Controller"): the pending
 * (eip) and enable (eie) bits of interrupt identities 1..255, eidelivery and eithreshold,
 * and the top-interrupt value a *topei CSR reads. An MSI sets a pending bit (`setPending`,
 * the seteipnum register of the file's memory page); software reaches the rest through the
 * indirect registers (`*iselect` 0x70..0xFF) and claims with a *topei write.
 *
 * The file's output (eidelivery = 1 and a pending-and-enabled identity under the threshold)
 * is what the hart sees as MEIP/SEIP or a bit of hgeip; every change that may alter it calls
 * `onChange`, so the hart recomputes its interrupt lines there and not on every instruction.
 */

/** Interrupt identities per file: 1..255, as QEMU virt's IMSICs (`riscv,num-ids = <255>`). */
export const IMSIC_NUM_IDS = 255;

/** Indirect register numbers of an interrupt file (AIA 3.8). */
export const enum Iselect {
  EIDELIVERY = 0x70, EITHRESHOLD = 0x72, EIP0 = 0x80, EIP63 = 0xbf, EIE0 = 0xc0, EIE63 = 0xff,
}

/** 32-bit words of eip/eie for identities 0..255 (bit 0 of word 0, identity 0, is read-only zero). */
const WORDS = 8;

/** One interrupt file. */
export class InterruptFile {
  /** eidelivery: 1 = the file signals the hart; 0 = it does not (0x40000000 is not supported). */
  eidelivery = 0;
  /** eithreshold: when nonzero, identities at or above it do not signal (11 bits kept). */
  eithreshold = 0;
  private readonly eip = new Uint32Array(WORDS);
  private readonly eie = new Uint32Array(WORDS);
  /** The highest-priority (lowest) pending-and-enabled identity under the threshold, or 0. */
  private top = 0;
  /** Called after any change that may alter `signalling` (the hart's interrupt lines follow). */
  onChange: () => void = () => undefined;

  /** Whether the file asserts its interrupt to the hart (eidelivery = 1 and topei != 0). */
  get signalling(): boolean {
    return this.eidelivery === 1 && this.top !== 0;
  }

  /** The *topei value: identity in bits 26:16 and again as priority in bits 10:0, or 0. */
  topei(): number {
    return this.top === 0 ? 0 : (this.top << 16) | this.top;
  }

  /** A *topei write: clears the pending bit of the identity *topei reports (a claim). */
  claim(): void {
    if (this.top === 0) return;
    this.eip[this.top >>> 5] &= ~(1 << (this.top & 31));
    this.update();
  }

  /** An MSI with data `id` (a seteipnum write); returns false for identities outside 1..255, which are ignored. */
  setPending(id: number): boolean {
    if (id < 1 || id > IMSIC_NUM_IDS) return false;
    this.eip[id >>> 5] |= 1 << (id & 31);
    this.update();
    return true;
  }

  /** Whether identity `id` is pending (tests, the debugger). */
  isPending(id: number): boolean {
    return id >= 1 && id <= IMSIC_NUM_IDS && (this.eip[id >>> 5] & (1 << (id & 31))) !== 0;
  }

  /**
   * Reads indirect register `sel` (0x70..0xFF) as RV64 code does; `sel` must be a register
   * that exists (even eip/eie numbers, see {@link eipEieExists}). Returns [lo, hi].
   */
  read(sel: number): [number, number] {
    if (sel === Iselect.EIDELIVERY) return [this.eidelivery, 0];
    if (sel === Iselect.EITHRESHOLD) return [this.eithreshold, 0];
    const arr = this.array(sel);
    if (arr === null) return [0, 0]; // reserved numbers read zero
    const w = (sel & 0x3f) >>> 0; // eipK: identities 32K..32K+63, words K and K+1
    return w + 1 < WORDS ? [arr[w] | 0, arr[w + 1] | 0] : [0, 0];
  }

  /** Writes indirect register `sel` (same rules as `read`); reserved numbers ignore writes. */
  write(sel: number, lo: number, hi: number): void {
    if (sel === Iselect.EIDELIVERY) {
      this.eidelivery = lo & 1; // WARL: only 0 and 1 are supported
    } else if (sel === Iselect.EITHRESHOLD) {
      this.eithreshold = lo & 0x7ff;
    } else {
      const arr = this.array(sel);
      const w = sel & 0x3f;
      if (arr === null || w + 1 >= WORDS) return;
      arr[w] = w === 0 ? lo & ~1 : lo; // identity 0 does not exist
      arr[w + 1] = hi;
    }
    this.update();
  }

  /** Clears everything (reset of the hart's IMSIC). */
  reset(): void {
    this.eidelivery = 0;
    this.eithreshold = 0;
    this.eip.fill(0);
    this.eie.fill(0);
    this.update();
  }

  private array(sel: number): Uint32Array | null {
    if (sel >= Iselect.EIP0 && sel <= Iselect.EIP63) return this.eip;
    if (sel >= Iselect.EIE0 && sel <= Iselect.EIE63) return this.eie;
    return null;
  }

  private update(): void {
    let top = 0;
    for (let w = 0; w < WORDS && top === 0; w++) {
      const bits = this.eip[w] & this.eie[w];
      if (bits !== 0) top = (w << 5) | (31 - Math.clz32(bits & -bits));
    }
    if (top !== 0 && this.eithreshold !== 0 && top >= this.eithreshold) top = 0;
    this.top = top;
    this.onChange();
  }
}

/**
 * Whether indirect register `sel` exists for RV64 code: in 0x80..0xFF only the even eip/eie
 * numbers do (an odd one raises an illegal or virtual instruction exception).
 */
export function eipEieExists(sel: number): boolean {
  return sel < Iselect.EIP0 || sel > Iselect.EIE63 || (sel & 1) === 0;
}
