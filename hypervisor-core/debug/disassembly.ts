/**
 * Disassembly for the debugger: instructions around an address of a vCPU's address space,
 * in objdump syntax, with their symbol and source line. Going backwards needs instruction
 * boundaries, which compressed instructions hide: decoding starts from the enclosing
 * function's symbol when it is near, else from an estimate, and walks forward.
 */
import { disassemble } from '../hart/isa/disassembler';
import type { GuestDebugger } from './guest-debugger';
import { bigAddr, codeAddr } from './address';

/** One disassembled instruction. */
export interface DisassembledInstruction {
  address: bigint;
  /** Instruction bytes as hex, in memory order ("7131", "00001517"). */
  bytes: string;
  /** objdump text, operands separated from the mnemonic by a space. */
  text: string;
  /** "function+0x10" when known. */
  symbol?: string;
  /** Local source path and line. */
  source?: { path: string; line: number };
  /** Memory not readable here. */
  unreadable?: boolean;
}

/** How far below the wanted window decoding may start at a function's symbol (bytes). */
const SYMBOL_REACH = 4096n;

/**
 * Where to decode from to reach `back` instructions before `address`: at least 4 bytes an
 * instruction below it (compressed ones only make the window wider), moved down to the start
 * of the function holding that point when it is near, since decoding from a symbol keeps to
 * instruction boundaries. At a function's first instruction this is the previous function.
 */
function decodeStart(d: GuestDebugger, address: bigint, back: number): bigint {
  let low = address - BigInt(4 * back);
  if (low < 0n) low = 0n;
  const at = codeAddr(low);
  for (const s of d.symbols) {
    const sym = s.symbolAt(at);
    if (sym && low - bigAddr(sym.start) <= SYMBOL_REACH) return bigAddr(sym.start);
  }
  return low;
}

/** The most instructions one call disassembles (the Disassembly view asks for about 50 at a time). */
export const MAX_DISASSEMBLE_COUNT = 10_000;
/** The farthest, in instructions, a window may start from its address. */
export const MAX_DISASSEMBLE_OFFSET = 10_000;

/**
 * Disassembles `count` instructions starting `instructionOffset` instructions from `address`.
 * Throws RangeError beyond MAX_DISASSEMBLE_COUNT / MAX_DISASSEMBLE_OFFSET: the work grows with both.
 */
export function disassembleAround(d: GuestDebugger, vcpu: number, address: bigint, instructionOffset: number, count: number): DisassembledInstruction[] {
  if (!Number.isInteger(count) || count < 0 || count > MAX_DISASSEMBLE_COUNT) throw new RangeError(`instruction count must be from 0 to ${MAX_DISASSEMBLE_COUNT}, not ${count}`);
  if (!Number.isInteger(instructionOffset) || Math.abs(instructionOffset) > MAX_DISASSEMBLE_OFFSET) {
    throw new RangeError(`instruction offset must be from -${MAX_DISASSEMBLE_OFFSET} to ${MAX_DISASSEMBLE_OFFSET}, not ${instructionOffset}`);
  }
  const h = d.hart(vcpu);
  const decodeAt = (a: bigint): DisassembledInstruction => {
    const raw = d.readInsn(h, a);
    if (raw === undefined) return { address: a, bytes: '', text: '<unreadable>', unreadable: true };
    const dis = disassemble(raw, a, (t) => d.describeAddress(t));
    const bytes = dis.length === 2 ? (raw & 0xffff).toString(16).padStart(4, '0') : (raw >>> 0).toString(16).padStart(8, '0');
    const src = d.sourceAt(a);
    return {
      address: a, bytes, text: dis.text.replace('\t', ' '), symbol: d.describeAddress(a),
      source: src ? { path: src.path, line: src.line } : undefined,
    };
  };
  const lengthOf = (i: DisassembledInstruction): bigint => (i.unreadable ? 2n : BigInt(i.bytes.length / 2));

  let start = address;
  const before: DisassembledInstruction[] = [];
  if (instructionOffset < 0) {
    const back = -instructionOffset;
    const from = decodeStart(d, address, back);
    const seen: DisassembledInstruction[] = [];
    let a = from;
    while (a < address) {
      const i = decodeAt(a);
      seen.push(i);
      a += lengthOf(i);
    }
    // A walk from an estimate may straddle the address: its last instruction overlaps it.
    if (a > address) seen.pop();
    before.push(...seen.slice(-back));
    // Not enough instructions (or misaligned): pad below with 2-byte steps so counts stay exact.
    let low = before.length ? before[0].address : address;
    while (before.length < back) {
      low -= 2n;
      before.unshift({ address: low, bytes: '', text: '<unknown>', unreadable: true });
    }
    start = address;
  }
  const out: DisassembledInstruction[] = [];
  let a = start;
  let skip = Math.max(0, instructionOffset);
  while (before.length + out.length < count) {
    const i = decodeAt(a);
    a += lengthOf(i);
    if (skip > 0) { skip--; continue; }
    out.push(i);
  }
  return [...before, ...out].slice(0, count);
}
