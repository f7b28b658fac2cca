/**
 * The decoder: 32-bit instruction word -> Op, built from the table at module load.
 *
 * Lookup: a 15-bit key made of opcode[6:2], funct3 and funct7 indexes `KEY_TABLE`.
 * An entry below CANDIDATES is the Op itself (the key bits identify the instruction
 * completely: most of the ISA, one array read). Otherwise it indexes a short list of
 * (mask, match, op) candidates for the remaining fixed bits (e.g. ECALL vs EBREAK,
 * the rs2 field of HLV/FCVT, rd = 0 of SFENCE.VMA). No allocation per call.
 *
 * Compressed instructions: `expandCompressed` (rvc.ts) then `decode`.
 */
import { Op } from './opcodes';
import { TABLE, InsnInfo } from './table';

export { expandCompressed } from './rvc';
export { rd, rs1, rs2, rs3, funct3, csr, immI, immS, immB, immU, immJ, shamt } from './fields';

/** Bits of the word that make up the lookup key: opcode[6:2], funct3, funct7. */
const KEY_BITS = 0xfe00707c | 0;
/** Key entries >= this value are `CANDIDATES + list index`. */
const CANDIDATES = 0x8000;

const KEY_TABLE = new Uint16Array(1 << 15);
// Candidate lists, flattened: list i is [LIST_START[i], LIST_START[i + 1]).
let LIST_START: Uint16Array;
let CAND_MASK: Int32Array;
let CAND_MATCH: Int32Array;
let CAND_OP: Uint16Array;

/** The key of a word (or of a mask/match value restricted to the key bits). */
function keyOf(w: number): number {
  return ((w >>> 2) & 0x1f) | ((w >>> 7) & 0xe0) | ((w >>> 17) & 0x7f00);
}

function build(): void {
  const lists: InsnInfo[][] = [];
  const listIds = new Map<string, number>();
  const byOpcode: InsnInfo[][] = [];
  for (const r of TABLE) {
    if ((r.mask & 3) !== 3 || (r.match & 3) !== 3) throw new Error(`isa table: ${r.name} is not a 32-bit encoding`);
    (byOpcode[(r.match >>> 2) & 0x1f] ??= []).push(r);
  }
  for (let key = 0; key < 1 << 15; key++) {
    const rows = byOpcode[key & 0x1f];
    if (rows === undefined) continue;
    const cands = rows.filter((r) => (key & keyOf(r.mask)) === keyOf(r.match));
    if (cands.length === 0) continue;
    if (cands.length === 1 && (cands[0].mask & ~(KEY_BITS | 3)) === 0) {
      KEY_TABLE[key] = cands[0].op;
      continue;
    }
    // Most specific first, so that an exact row (ecall) is tried before a general one.
    cands.sort((a, b) => popcount(b.mask) - popcount(a.mask));
    const id = cands.map((r) => r.op).join(',');
    let index = listIds.get(id);
    if (index === undefined) {
      index = lists.length;
      lists.push(cands);
      listIds.set(id, index);
    }
    KEY_TABLE[key] = CANDIDATES + index;
  }
  const total = lists.reduce((n, l) => n + l.length, 0);
  LIST_START = new Uint16Array(lists.length + 1);
  CAND_MASK = new Int32Array(total);
  CAND_MATCH = new Int32Array(total);
  CAND_OP = new Uint16Array(total);
  let n = 0;
  lists.forEach((l, i) => {
    LIST_START[i] = n;
    for (const r of l) {
      CAND_MASK[n] = r.mask;
      CAND_MATCH[n] = r.match;
      CAND_OP[n] = r.op;
      n++;
    }
  });
  LIST_START[lists.length] = n;
}

function popcount(x: number): number {
  let c = 0;
  for (let v = x >>> 0; v !== 0; v >>>= 1) c += v & 1;
  return c;
}

build();

/**
 * Decode a 32-bit instruction word (int32 or uint32) to its Op; `Op.ILLEGAL` for
 * anything not in the table, including compressed (bits [1:0] != 0b11) and longer
 * (bits [4:2] == 0b111) encodings.
 */
export function decode(insn: number): Op {
  if ((insn & 3) !== 3) return Op.ILLEGAL;
  const v = KEY_TABLE[((insn >>> 2) & 0x1f) | ((insn >>> 7) & 0xe0) | ((insn >>> 17) & 0x7f00)];
  if (v < CANDIDATES) return v as Op;
  const list = v - CANDIDATES;
  for (let i = LIST_START[list], end = LIST_START[list + 1]; i < end; i++) {
    if ((insn & CAND_MASK[i]) === CAND_MATCH[i]) return CAND_OP[i] as Op;
  }
  return Op.ILLEGAL;
}
