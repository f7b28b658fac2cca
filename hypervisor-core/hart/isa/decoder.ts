/**
 * The decoder: 32-bit instruction word -> Op, from the table (each key worked out once, when first met).
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

/** A KEY_TABLE entry not computed yet (never a real one: lists are far fewer than 0x7fff). */
const UNKNOWN = 0xffff;
/**
 * Op or candidate list by key, each computed the first time a word with that key is decoded:
 * computing all 32,768 at module load took some 40 ms of every process's start.
 */
const KEY_TABLE = new Uint16Array(1 << 15).fill(UNKNOWN);
/** The candidate lists, flattened: list i is [LIST_START[i], LIST_START[i + 1]). */
const LIST_START: number[] = [0];
const CAND_MASK: number[] = [];
const CAND_MATCH: number[] = [];
const CAND_OP: Op[] = [];
/** List index by its ops (equal lists are shared by their keys). */
const listIds = new Map<string, number>();
/** The table's rows by major opcode (bits [6:2]). */
const byOpcode: InsnInfo[][] = [];

/** The key of a word (or of a mask/match value restricted to the key bits). */
function keyOf(w: number): number {
  return ((w >>> 2) & 0x1f) | ((w >>> 7) & 0xe0) | ((w >>> 17) & 0x7f00);
}

for (const r of TABLE) {
  if ((r.mask & 3) !== 3 || (r.match & 3) !== 3) throw new Error(`isa table: ${r.name} is not a 32-bit encoding`);
  (byOpcode[(r.match >>> 2) & 0x1f] ??= []).push(r);
}

/** Computes and stores the KEY_TABLE entry of `key`. */
function fillKey(key: number): number {
  const rows = byOpcode[key & 0x1f] ?? [];
  const cands = rows.filter((r) => (key & keyOf(r.mask)) === keyOf(r.match));
  let v: number = Op.ILLEGAL;
  if (cands.length === 1 && (cands[0].mask & ~(KEY_BITS | 3)) === 0) {
    v = cands[0].op;
  } else if (cands.length > 0) {
    // Most specific first, so that an exact row (ecall) is tried before a general one.
    cands.sort((a, b) => popcount(b.mask) - popcount(a.mask));
    const id = cands.map((r) => r.op).join(',');
    let index = listIds.get(id);
    if (index === undefined) {
      index = LIST_START.length - 1;
      listIds.set(id, index);
      for (const r of cands) {
        CAND_MASK.push(r.mask | 0);
        CAND_MATCH.push(r.match | 0);
        CAND_OP.push(r.op);
      }
      LIST_START.push(CAND_OP.length);
    }
    v = CANDIDATES + index;
  }
  KEY_TABLE[key] = v;
  return v;
}

function popcount(x: number): number {
  let c = 0;
  for (let v = x >>> 0; v !== 0; v >>>= 1) c += v & 1;
  return c;
}

/**
 * Decode a 32-bit instruction word (int32 or uint32) to its Op; `Op.ILLEGAL` for
 * anything not in the table, including compressed (bits [1:0] != 0b11) and longer
 * (bits [4:2] == 0b111) encodings.
 */
export function decode(insn: number): Op {
  if ((insn & 3) !== 3) return Op.ILLEGAL;
  const key = ((insn >>> 2) & 0x1f) | ((insn >>> 7) & 0xe0) | ((insn >>> 17) & 0x7f00);
  let v = KEY_TABLE[key];
  if (v === UNKNOWN) v = fillKey(key);
  if (v < CANDIDATES) return v as Op;
  const list = v - CANDIDATES;
  for (let i = LIST_START[list], end = LIST_START[list + 1]; i < end; i++) {
    if ((insn & CAND_MASK[i]) === CAND_MATCH[i]) return CAND_OP[i] as Op;
  }
  return Op.ILLEGAL;
}
