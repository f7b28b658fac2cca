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
    let from = address - BigInt(4 * back);
    const sym = d.symbols[0]?.symbolAt(codeAddr(address));
    if (sym && bigAddr(sym.start) >= from - 256n && bigAddr(sym.start) <= address) from = bigAddr(sym.start);
    if (from < 0n) from = 0n;
    const seen: DisassembledInstruction[] = [];
    for (let a = from; a < address;) {
      const i = decodeAt(a);
      seen.push(i);
      a += lengthOf(i);
    }
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
