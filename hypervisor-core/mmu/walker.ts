/**
 * The page-table walker: one algorithm (privileged spec 4.3.2, "Virtual Address Translation
 * Process") parameterised by the number of levels and the width of the root index, serving
 * every stage: Sv39/Sv48 for satp and vsatp, Sv39x4/Sv48x4 for hgatp. In a two-stage walk,
 * each VS-stage PTE address is a guest physical address and goes through the G-stage first.
 *
 * A/D bits: with `adue` (Svadu, menvcfg.ADUE / henvcfg.ADUE = 1) the walker sets A, and D
 * on a store, in the leaf PTE itself, as QEMU and hardware with Svadu do; without it a
 * missing A, or D on a store, is a page fault (Svade) and software sets them. In a two-stage
 * walk the update of a VS-stage PTE is a write to its guest physical address, so it needs
 * G-stage write permission. Only a store sets D, and only a store fills the write TLB, so no
 * cached writable translation has D = 0.
 *
 * Results are plain numbers so the walk allocates nothing: a physical address (>= 0) or one
 * of the negative WalkFault codes. Addresses here fit in 53 bits (checked by the callers).
 */
import { PhysMemory } from '../memory/phys-memory';

/** Access types. */
export const enum Access { READ = 0, WRITE = 1, FETCH = 2 }

/** Negative results of a walk. */
export const enum WalkFault {
  /** A page fault of the stage being walked. */
  PAGE = -1,
  /** The PTE lies outside RAM (access fault). */
  ACCESS = -2,
  /** A G-stage fault while reading a VS-stage PTE (implicit access); see `Walker.faultGpa`. */
  GUEST_IMPLICIT = -3,
}

/** PTE flag bits. */
export const enum Pte { V = 1, R = 2, W = 4, X = 8, U = 16, G = 32, A = 64, D = 128 }

/** Translates the guest-physical address of a VS-stage PTE through the G-stage. */
export interface PteAddressTranslator {
  /**
   * Returns the host physical address, or a negative WalkFault (PAGE = guest page fault).
   * @param write the access is the PTE's A/D update (an implicit write), not its read
   */
  translatePteAddress(gpa: number, write: boolean): number;
}

/** Parameters of one stage's table format. */
export interface PagingMode {
  /** Number of levels (3 for Sv39, 4 for Sv48). */
  readonly levels: number;
  /** Bits of the virtual (or guest physical) address translated, 39 or 48, + 2 for x4. */
  readonly vaBits: number;
  /** Width of the root-level index: 9, or 11 for the x4 G-stage modes. */
  readonly rootIndexBits: number;
}

export const SV39: PagingMode = { levels: 3, vaBits: 39, rootIndexBits: 9 };
export const SV48: PagingMode = { levels: 4, vaBits: 48, rootIndexBits: 9 };
export const SV39X4: PagingMode = { levels: 3, vaBits: 41, rootIndexBits: 11 };
export const SV48X4: PagingMode = { levels: 4, vaBits: 50, rootIndexBits: 11 };

const TWO32 = 4294967296;

/**
 * 2 ** i for i in 0..63. V8 compiles `2 ** n` with a variable n to a call of its C `pow`,
 * which the walks and the G-stage range checks made 0.7 % of the Linux boot's CPU profile.
 */
export const POW2: Float64Array = Float64Array.from({ length: 64 }, (_, i) => 2 ** i);

/** A reusable walker over one RAM. */
export class Walker {
  /** After GUEST_IMPLICIT: the guest physical address of the PTE whose G-stage walk failed. */
  faultGpa = 0;
  /** After GUEST_IMPLICIT: the G-stage fault was an access fault rather than a page fault. */
  faultAccess = false;
  /** After GUEST_IMPLICIT: the failing implicit access was the PTE's A/D update (a write). */
  faultWrite = false;
  /** After a successful walk: the leaf PTE's low word (flags) and the level it was found at. */
  leafFlags = 0;
  leafLevel = 0;
  /** Size in bytes of the page the last successful walk mapped. */
  pageSize = 4096;
  /** PTE reads made by this walker so far (its memory references, for the statistics). */
  reads = 0;

  constructor(private readonly mem: PhysMemory) {}

  /**
   * Walks one stage.
   * @param mode table format
   * @param root physical address of the root table (already translated for G-stage? no:
   *        for a VS-stage walk it is a GPA and `g` translates every PTE address)
   * @param va the address to translate, already checked to be canonical, as a number of
   *        at most `mode.vaBits` bits
   * @param access READ, WRITE or FETCH
   * @param user the access is made with user rights (U-mode, or any G-stage access)
   * @param sum supervisor may access user pages (sstatus.SUM)
   * @param mxr loads may read execute-only pages
   * @param g G-stage translator for the PTE addresses of a VS-stage walk, or null
   * @param adue set missing A/D bits in the leaf instead of faulting (Svadu)
   */
  walk(mode: PagingMode, root: number, va: number, access: Access, user: boolean,
    sum: boolean, mxr: boolean, g: PteAddressTranslator | null, adue = false): number {
    const mem = this.mem;
    let table = root;
    for (let level = mode.levels - 1; level >= 0; level--) {
      const shift = 12 + 9 * level;
      const indexBits = level === mode.levels - 1 ? mode.rootIndexBits : 9;
      const index = Math.floor(va / POW2[shift]) & ((1 << indexBits) - 1);
      const pteGpa = table + index * 8;
      let pteAddr = pteGpa;
      if (g !== null) {
        const h = g.translatePteAddress(pteGpa, false);
        if (h < 0) return this.implicitFault(pteGpa, h, false);
        pteAddr = h;
      }
      if (!mem.contains(pteAddr, 8)) return WalkFault.ACCESS;
      this.reads++;
      const off = pteAddr - mem.base;
      const lo = mem.view.getInt32(off, true);
      const hi = mem.view.getInt32(off + 4, true);
      if ((lo & Pte.V) === 0 || (lo & (Pte.R | Pte.W)) === Pte.W) return WalkFault.PAGE;
      // Bits 63:54 are reserved (no Svpbmt/Svnapot): must be zero.
      if ((hi >>> 22) !== 0) return WalkFault.PAGE;
      const ppn = (lo >>> 10) + (hi & 0x3fffff) * 4194304;
      if ((lo & (Pte.R | Pte.X)) === 0) {
        // Pointer to the next level. D, A and U are reserved for non-leaf PTEs.
        if ((lo & (Pte.D | Pte.A | Pte.U)) !== 0) return WalkFault.PAGE;
        table = ppn * 4096;
        continue;
      }
      // Leaf: permissions.
      if (access === Access.FETCH) {
        if ((lo & Pte.X) === 0) return WalkFault.PAGE;
      } else if (access === Access.READ) {
        if ((lo & Pte.R) === 0 && !(mxr && (lo & Pte.X) !== 0)) return WalkFault.PAGE;
      } else if ((lo & Pte.W) === 0) {
        return WalkFault.PAGE;
      }
      if (user) {
        if ((lo & Pte.U) === 0) return WalkFault.PAGE;
      } else if ((lo & Pte.U) !== 0 && (!sum || access === Access.FETCH)) {
        return WalkFault.PAGE;
      }
      // A misaligned superpage: low PPN bits must be zero.
      const pagesInLeaf = POW2[9 * level];
      if (level > 0 && ppn % pagesInLeaf !== 0) return WalkFault.PAGE;
      let flags = lo;
      if ((lo & Pte.A) === 0 || (access === Access.WRITE && (lo & Pte.D) === 0)) {
        if (!adue) return WalkFault.PAGE;
        flags = lo | Pte.A | (access === Access.WRITE ? Pte.D : 0);
        let at = pteAddr;
        if (g !== null) {
          const h = g.translatePteAddress(pteGpa, true);
          if (h < 0) return this.implicitFault(pteGpa, h, true);
          at = h;
        }
        if (!mem.contains(at, 8)) return WalkFault.ACCESS;
        // One write of the low word: nothing else runs between the read and the update, which
        // is the atomicity the spec asks of it.
        mem.view.setInt32(at - mem.base, flags, true);
        mem.noteWrite(at - mem.base, 4);
      }
      this.leafFlags = flags & 0x3ff;
      this.leafLevel = level;
      this.pageSize = pagesInLeaf * 4096;
      return ppn * 4096 + (va % (pagesInLeaf * 4096));
    }
    return WalkFault.PAGE;
  }

  /** Records a G-stage fault on an implicit access to the VS-stage PTE at `gpa`. */
  private implicitFault(gpa: number, g: number, write: boolean): number {
    this.faultGpa = gpa;
    this.faultAccess = g === WalkFault.ACCESS;
    this.faultWrite = write;
    return WalkFault.GUEST_IMPLICIT;
  }
}

/** Splits a number below 2^53 into [lo, hi] int32 halves. */
export function splitU64(n: number): [number, number] {
  return [n | 0, Math.floor(n / TWO32) | 0];
}
