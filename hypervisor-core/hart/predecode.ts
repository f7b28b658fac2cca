/**
 * The interpreter's predecode cache: for every halfword of a code page that started an
 * instruction, the 32-bit instruction (a compressed one already expanded) and its Op, so an
 * instruction run before costs two array reads instead of the fetch, the RVC expansion and
 * the decoder's tables. Filled on first execution; one per physical memory (per thread),
 * shared by the harts running in it, keyed by host page: the same code under another
 * virtual mapping hits too.
 *
 * Kept exact like the block cache (jit/block-cache.ts): a page with cached instructions is a
 * code page (`PhysMemory.codePages`, bit {@link CodeBit.PREDECODED}); no hart's write TLB
 * maps one, so every store to it takes the slow path, which reports it (`noteWrite`) as host
 * writes, virtio DMA and the walker's A/D updates do; the page's entries are then cleared in
 * place and it stops being a code page until an instruction on it runs again. Stores by other
 * threads (vCPU threads share RAM) are seen at this thread's next FENCE.I or remote fence_i,
 * which clears the pages they wrote, as for translated code (memory/code-sharing.ts).
 *
 * Layout: one Int32Array of SLOTS pages; a page's slot holds 4096 words, two per halfword:
 * [2k] the operand word ({@link operandOf}: the immediate already extracted, or the
 * instruction), [2k + 1] the meta word ({@link metaOf}: Op, register indices, compressed;
 * 0 = not decoded). The interpreter then extracts nothing from the instruction word.
 * A slot once given to a page stays that page's until every slot is taken; then all are
 * given back at once (a slot's old entries are cleared when it is given again). The
 * interpreter holds `cells` and a slot's base while it runs on that page; slots are given
 * (and `cells` grows) only when it moves to a new page, and a flush happens between runs or
 * through FENCE.I (after which it fetches the page again), so what it holds is its page's.
 */
import { PhysMemory } from '../memory/phys-memory';
import { PREDECODE_SLOTS, PREDECODE_SLOT_WORDS } from '../memory/hart-area';
import { Op } from './isa/opcodes';
import { immB, immJ, immS } from './isa/fields';

/** The bits of `PhysMemory.codePages`: who caches code of a page. */
export const enum CodeBit {
  /** Translated code (jit/block-cache.ts). */
  BLOCKS = 1,
  /** Predecoded instructions (this file). */
  PREDECODED = 2,
}

/**
 * Pages with cached instructions at a time (memory/hart-area.ts PREDECODE_SLOTS). The cache
 * is allocated whole at the first page (or lies in the memory's interpreter area): the host
 * commits its memory only as slots are used, where growing it from 1 MiB copied 15 MiB on the
 * way to the Linux prompt.
 */
const SLOTS = PREDECODE_SLOTS;
/** Words per page slot: two per halfword. */
const SLOT_WORDS = PREDECODE_SLOT_WORDS;
/**
 * Entries of a slot remembered as they are filled: a write to a page clears just those while
 * they are few. A guest that keeps a variable on the page of its hot loop (a counter beside
 * the code) clears and refills a handful each turn; clearing all 16 KiB each time made every
 * such store cost the host as much as hundreds of instructions.
 */
const FILLS_TRACKED = 64;

/**
 * The meta word of a decoded 32-bit instruction `insn` (a compressed one expanded), never 0:
 * bit 0 set, bit 1 compressed, bits 2-9 the Op, then the register fields as indices into the
 * int32-pair register file (2 * register): rd in bits 10-15, rs1 in 16-21, rs2 in 22-27.
 * Fields an instruction does not have hold whatever its bits say (still below 64).
 */
export function metaOf(op: Op, insn: number, compressed: boolean): number {
  return 1 | (compressed ? 2 : 0) | (op << 2) | (((insn >> 6) & 62) << 10) | (((insn >> 14) & 62) << 16) | (((insn >> 19) & 62) << 22);
}

/**
 * The operand word of a decoded instruction: the sign-extended immediate of the integer
 * instructions with one (U, J, B, S and I formats; a shift's amount), the instruction itself
 * for every other (the CSR, system, A, H, F and D instructions decode their fields in their
 * own functions; FENCE compares the whole word with PAUSE).
 */
export function operandOf(op: Op, insn: number): number {
  switch (op) {
    case Op.LUI: case Op.AUIPC: return insn & 0xfffff000;
    case Op.JAL: return immJ(insn);
    case Op.BEQ: case Op.BNE: case Op.BLT: case Op.BGE: case Op.BLTU: case Op.BGEU: return immB(insn);
    case Op.SB: case Op.SH: case Op.SW: case Op.SD: return immS(insn);
    case Op.JALR: case Op.LB: case Op.LH: case Op.LW: case Op.LD: case Op.LBU: case Op.LHU: case Op.LWU:
    case Op.ADDI: case Op.SLTI: case Op.SLTIU: case Op.XORI: case Op.ORI: case Op.ANDI: case Op.ADDIW:
      return insn >> 20;
    case Op.SLLI: case Op.SRLI: case Op.SRAI: return (insn >> 20) & 63;
    case Op.SLLIW: case Op.SRLIW: case Op.SRAIW: return (insn >> 20) & 31;
    default: return insn;
  }
}

/** The predecoded instructions of one physical memory. */
export class Predecode {
  private static readonly caches = new WeakMap<PhysMemory, Predecode>();
  /**
   * The slots' words: allocated at the first page, or the interpreter area's
   * (memory/hart-area.ts), where the interpreter's WebAssembly fast path reads them.
   */
  cells: Int32Array<ArrayBufferLike> = new Int32Array(0);
  /**
   * The base index in `cells` of each host page's slot, or -1: what {@link slotBase} returns
   * for a page that has one, read by the interpreter itself when the pc changes page (3.7 M
   * times to the Linux sample's prompt), where the call cost more than the lookup: 52 M host
   * instructions of that boot (cachegrind, translation off).
   */
  readonly baseOf: Int32Array<ArrayBufferLike>;
  /** The page in each slot, or -1. */
  private readonly pageIn = new Int32Array(SLOTS).fill(-1);
  private used = 0;
  /** Slots handed out at least once since `cells` was allocated (those past it are still zero). */
  private everUsed = 0;
  /** Entries filled in each slot since it was last cleared (past FILLS_TRACKED only counted). */
  private readonly fills = new Int32Array(SLOTS);
  /** The `cells` index of each slot's first FILLS_TRACKED filled entries. */
  private readonly filled = new Int32Array(SLOTS * FILLS_TRACKED);
  /** Pages given a slot, pages whose entries a write cleared, and full flushes (tests, tuning). */
  readonly counters = { pages: 0, invalidated: 0, flushes: 0 };

  private constructor(private readonly mem: PhysMemory) {
    const area = mem.interpreterArea;
    if (area !== null) this.cells = area.cells;
    this.baseOf = area !== null ? area.baseOf : new Int32Array(mem.size / 4096).fill(-1);
    mem.codeWriteListeners.push((page) => this.invalidatePage(page));
  }

  /** The cache of a memory (created on first use). */
  static of(mem: PhysMemory): Predecode {
    let c = Predecode.caches.get(mem);
    if (c === undefined) Predecode.caches.set(mem, (c = new Predecode(mem)));
    return c;
  }

  /** The base index in `cells` of the slot of host page `page` (given one if it has none). */
  slotBase(page: number): number {
    const b = this.baseOf[page];
    if (b >= 0) return b;
    if (this.used === SLOTS) this.reset();
    if (this.cells.length === 0) this.cells = new Int32Array(SLOTS * SLOT_WORDS);
    const slot = this.used++;
    const old = this.pageIn[slot];
    if (old >= 0) this.baseOf[old] = -1;
    // A slot used before holds another page's entries; one never used is zero (and not yet committed).
    if (slot < this.everUsed) this.cells.fill(0, slot * SLOT_WORDS, (slot + 1) * SLOT_WORDS);
    else this.everUsed = slot + 1;
    this.pageIn[slot] = page;
    this.baseOf[page] = slot * SLOT_WORDS;
    this.fills[slot] = 0;
    this.counters.pages++;
    return slot * SLOT_WORDS;
  }

  /**
   * Stores a decoded instruction (its operand and meta words) at `index` (slot base + the
   * pc's offset in the page) of host page `page` and makes the page a code page if it is not one.
   */
  fill(page: number, index: number, operand: number, meta: number): void {
    this.mem.markCode(page, CodeBit.PREDECODED);
    this.cells[index] = operand;
    this.cells[index + 1] = meta;
    const slot = (index / SLOT_WORDS) | 0, n = this.fills[slot];
    if (n < FILLS_TRACKED) this.filled[slot * FILLS_TRACKED + n] = index;
    this.fills[slot] = n + 1;
  }

  /** Clears the entries of a page something wrote to; it is a data page again (its slot stays). */
  invalidatePage(page: number): void {
    const c = this.mem.codePages;
    if ((c[page] & CodeBit.PREDECODED) === 0) return;
    c[page] &= ~CodeBit.PREDECODED;
    const b = this.baseOf[page];
    if (b >= 0) {
      const s = b / SLOT_WORDS;
      const n = this.fills[s];
      if (n > FILLS_TRACKED) this.cells.fill(0, s * SLOT_WORDS, (s + 1) * SLOT_WORDS);
      else for (let k = 0; k < n; k++) this.cells[this.filled[s * FILLS_TRACKED + k] + 1] = 0;
      this.fills[s] = 0;
    }
    this.counters.invalidated++;
  }

  /** Forgets every instruction (FENCE.I with RAM shared by threads, a restored snapshot). */
  flush(): void {
    this.reset();
    this.counters.flushes++;
  }

  /** Gives every slot back; no page is a predecoded code page any more. */
  private reset(): void {
    const c = this.mem.codePages;
    for (let slot = 0; slot < this.used; slot++) {
      const page = this.pageIn[slot];
      if (page >= 0) {
        c[page] &= ~CodeBit.PREDECODED;
        this.baseOf[page] = -1;
        this.pageIn[slot] = -1;
      }
    }
    this.used = 0;
  }
}
