/**
 * Page-table walks for display, without side effects (no A/D updates, no permission checks,
 * no page populated): the tree of valid entries of one stage and the level-by-level walk of
 * one address. One walker for both stages, parameterised by the table format (privileged
 * spec 4.4/4.5 Sv39/Sv48; H extension 9.5.1 Sv39x4/Sv48x4, whose root table has 2048
 * entries and whose input is a 41- or 50-bit guest physical address).
 *
 * The VS stage (vsatp) lives in guest memory: its table addresses are GPAs. The G stage
 * (hgatp) lives in host memory: its table addresses are HPAs. A `PteReader` hides which.
 */

/** The two stages of a guest's translation. */
export type PageTableStage = 'vs' | 'g';

/** A table format. */
export interface PagingFormat {
  /** 'sv39', 'sv48', 'sv39x4', 'sv48x4' or 'bare'. */
  mode: string;
  levels: number;
  /** Entries of the root table: 512, or 2048 for the x4 modes. */
  rootEntries: number;
  /** Bits of the input address. */
  inputBits: number;
  /** Virtual addresses are sign-extended from the top input bit (VS stage). */
  signExtend: boolean;
}

/** One valid entry of a table. */
export interface PageTableEntry {
  /** Index in its table. */
  index: number;
  /** Level of its table (levels - 1 = root, 0 = last). */
  level: number;
  /** Address of the PTE (a GPA for the VS stage, an HPA for the G stage). */
  pteAddress: bigint;
  pte: bigint;
  /** "VRWXUGAD" with '-' for each clear bit. */
  flags: string;
  /** The next table's address, or the leaf's output address (GPA or HPA). */
  target: bigint;
  /** For leaves: the first input address mapped (GVA or GPA). */
  va?: bigint;
  /** For pointers to a next-level table: its valid entries (absent in a one-table listing). */
  children?: PageTableEntry[];
  /** For pointers: the first input address the next-level table maps (to list it later). */
  base?: bigint;
}

/** The valid entries of one stage. */
export interface PageTableDump {
  stage: PageTableStage;
  mode: string;
  root: bigint;
  entries: PageTableEntry[];
  /** Leaves listed. */
  leaves: number;
  /** True when the listing stopped at the leaf limit. */
  truncated?: boolean;
}

/** One level of a walk for one address. */
export interface WalkStep {
  level: number;
  /** Address of the PTE (GPA for the VS stage, HPA for the G stage). */
  pteAddress: bigint;
  pte: bigint;
  /** "V R W X U G A D" letters present, e.g. "VRWXAD". */
  flags: string;
}

/** The walk of one address through one stage. */
export interface AddressWalk {
  mode: string;
  root: bigint;
  steps: WalkStep[];
  /** The output address when the walk found a leaf (or the stage is bare). */
  output?: bigint;
  /** Why the walk failed. */
  fault?: string;
}

/** Reads a 64-bit little-endian PTE at a table-space address; undefined outside memory. */
export type PteReader = (address: bigint) => bigint | undefined;

/** Default cap on the leaves of a dump. */
export const MAX_DUMP_LEAVES = 4096;

const FLAG_NAMES = 'VRWXUGAD';
const U64 = (1n << 64n) - 1n;
const PPN_MASK = (1n << 44n) - 1n;

/** Flag letters present, e.g. "VRWXAD". */
export const flagLetters = (pte: bigint): string => [...FLAG_NAMES].filter((_, i) => (pte >> BigInt(i)) & 1n).join('');
/** Fixed-width flags: "VRWXUGAD" with '-' for each clear bit. */
export const flagColumns = (pte: bigint): string => [...FLAG_NAMES].map((c, i) => ((pte >> BigInt(i)) & 1n ? c : '-')).join('');

/** The format of a satp/vsatp (`stage` 'vs') or hgatp (`stage` 'g') value; throws on an unknown mode. */
export function formatOf(stage: PageTableStage, atp: bigint): { format: PagingFormat; root: bigint } {
  const modeBits = Number((atp >> 60n) & 15n);
  const root = (atp & PPN_MASK) << 12n;
  const x4 = stage === 'g';
  if (modeBits === 0) return { format: { mode: 'bare', levels: 0, rootEntries: 0, inputBits: 64, signExtend: false }, root: 0n };
  if (modeBits !== 8 && modeBits !== 9) throw new RangeError(`unsupported ${x4 ? 'hgatp' : 'vsatp'} mode ${modeBits}`);
  const levels = modeBits === 8 ? 3 : 4;
  return {
    format: {
      mode: (modeBits === 8 ? 'sv39' : 'sv48') + (x4 ? 'x4' : ''), levels, rootEntries: x4 ? 2048 : 512,
      inputBits: 12 + 9 * levels + (x4 ? 2 : 0), signExtend: !x4,
    },
    // The x4 root is 16 KiB aligned: the low two PPN bits are ignored (H spec 9.2.10).
    root: x4 ? root & ~0x3fffn : root,
  };
}

const isLeaf = (pte: bigint): boolean => (pte & 0xen) !== 0n;
const pageShift = (level: number): bigint => BigInt(12 + 9 * level);

/** Entries of a table at `level`: the root's may be 2048 (x4 modes), every other has 512. */
const entriesAt = (format: PagingFormat, level: number): number => (level === format.levels - 1 ? format.rootEntries : 512);

/**
 * Entry `index` of `table`, a table at `level` mapping input addresses from `base`: the entry
 * (a leaf's `va` set, sign-extended for the VS stage) with the first input address it maps,
 * null when it is invalid, undefined when the table lies outside memory.
 */
function readEntry(format: PagingFormat, table: bigint, level: number, base: bigint, index: number,
  read: PteReader): { e: PageTableEntry; va: bigint } | null | undefined {
  const pteAddress = table + BigInt(index * 8);
  const pte = read(pteAddress);
  if (pte === undefined) return undefined;
  if ((pte & 1n) === 0n) return null;
  const target = ((pte >> 10n) & PPN_MASK) << 12n;
  const e: PageTableEntry = { index, level, pteAddress, pte, flags: flagColumns(pte), target };
  const va = (base | (BigInt(index) << pageShift(level))) & U64;
  if (isLeaf(pte)) {
    const signBit = 1n << BigInt(format.inputBits - 1);
    e.va = format.signExtend && (va & signBit) ? (va | ~(signBit * 2n - 1n)) & U64 : va;
  }
  return { e, va };
}

/** Lists the valid entries of a table tree, depth first, up to `maxLeaves` leaves. */
export function dumpTables(stage: PageTableStage, format: PagingFormat, root: bigint, read: PteReader,
  maxLeaves = MAX_DUMP_LEAVES): PageTableDump {
  const dump: PageTableDump = { stage, mode: format.mode, root, entries: [], leaves: 0 };
  if (format.levels === 0) return dump;
  const visit = (table: bigint, level: number, base: bigint): PageTableEntry[] => {
    const out: PageTableEntry[] = [];
    const n = entriesAt(format, level);
    for (let index = 0; index < n && !dump.truncated; index++) {
      const entry = readEntry(format, table, level, base, index, read);
      if (entry === undefined) break; // the table lies outside memory
      if (entry === null) continue;
      const { e, va } = entry;
      if (e.va !== undefined) {
        if (dump.leaves >= maxLeaves) { dump.truncated = true; break; }
        dump.leaves++;
      } else if (level > 0) {
        e.children = visit(e.target, level - 1, va);
      }
      out.push(e);
    }
    return out;
  };
  dump.entries = visit(root, format.levels - 1, 0n);
  return dump;
}

/**
 * The valid entries of one table, without descending (the Page Tables view lists a table when
 * its pointer is expanded): `table` at `level` maps input addresses from `base`. Pointers carry
 * their next table in `target` and its `base`. Bounded: one table has at most 2048 entries.
 */
export function listTable(format: PagingFormat, table: bigint, level: number, base: bigint, read: PteReader): PageTableEntry[] {
  if (format.levels === 0 || level < 0 || level >= format.levels) return [];
  const out: PageTableEntry[] = [];
  const n = entriesAt(format, level);
  for (let index = 0; index < n; index++) {
    const entry = readEntry(format, table, level, base, index, read);
    if (entry === undefined) break; // the table lies outside memory
    if (entry === null) continue;
    const { e, va } = entry;
    if (e.va === undefined && level > 0) e.base = va;
    out.push(e);
  }
  return out;
}

/** Walks one input address (a GVA for 'vs', a GPA for 'g') level by level. */
export function walkAddress(format: PagingFormat, root: bigint, read: PteReader, input: bigint): AddressWalk {
  const w: AddressWalk = { mode: format.mode, root, steps: [] };
  input &= U64;
  if (format.levels === 0) return { ...w, output: input };
  if (format.signExtend) {
    const top = BigInt.asIntN(64, input) >> BigInt(format.inputBits - 1);
    if (top !== 0n && top !== -1n) return { ...w, fault: `address not canonical for ${format.mode}` };
  } else if (input >> BigInt(format.inputBits) !== 0n) {
    return { ...w, fault: `address beyond the ${format.inputBits} bits of ${format.mode}` };
  }
  let table = root;
  for (let level = format.levels - 1; level >= 0; level--) {
    const mask = level === format.levels - 1 ? BigInt(format.rootEntries - 1) : 0x1ffn;
    const pteAddress = table + ((input >> pageShift(level)) & mask) * 8n;
    const pte = read(pteAddress);
    if (pte === undefined) return { ...w, fault: `PTE at 0x${pteAddress.toString(16)} is outside memory` };
    w.steps.push({ level, pteAddress, pte, flags: flagLetters(pte) });
    if ((pte & 1n) === 0n) return { ...w, fault: `invalid PTE at level ${level}` };
    const ppnAddr = ((pte >> 10n) & PPN_MASK) << 12n;
    if (isLeaf(pte)) {
      const pageMask = (1n << pageShift(level)) - 1n;
      return { ...w, output: (ppnAddr & ~pageMask) | (input & pageMask) };
    }
    table = ppnAddr;
  }
  return { ...w, fault: 'no leaf PTE at level 0' };
}
