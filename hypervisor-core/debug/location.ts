/**
 * DWARF location descriptions (DWARF 5 spec 2.5 and 2.6): the DW_OP stack machine and
 * location lists (.debug_loc for DWARF 2-4, .debug_loclists for DWARF 5). The machine reads
 * registers, memory and the CFA through ports, so a caller frame gets the registers that
 * call-frame information recovered for it. Every loop is bounded: a malformed or hostile
 * expression ends in an error, never a hang.
 */
import { ByteReader } from './dwarf/byte-reader';
import type { DieTree, DieUnit } from './dwarf/die-tree';
import type { AttrValue } from './dwarf/forms';

/** Where a value lives. */
export type Location =
  | { kind: 'memory'; address: bigint }
  | { kind: 'register'; reg: number }
  /** DW_OP_stack_value: the value itself (no storage). */
  | { kind: 'value'; value: bigint }
  /** DW_OP_implicit_value: the bytes themselves. */
  | { kind: 'implicit'; bytes: Uint8Array }
  | { kind: 'pieces'; pieces: { loc: Location; bits: number }[] }
  | { kind: 'optimized' }
  | { kind: 'error'; message: string };

/** What an expression may read. */
export interface LocationPorts {
  /** A register by DWARF number (x0-x31 are 0-31, f0-f31 32-63); undefined when the frame lost it. */
  reg(n: number): bigint | undefined;
  /** `size` bytes little-endian at a guest virtual address; undefined when unreadable. */
  read(address: bigint, size: number): bigint | undefined;
  /** The frame's canonical frame address (DW_OP_call_frame_cfa). */
  cfa?: bigint;
  /** The function's DW_AT_frame_base, evaluated (DW_OP_fbreg). */
  frameBase?: () => Location;
  /** The value a register had on entry to the function (DW_OP_entry_value), when the caller's call site says. */
  entryValue?: (expr: Uint8Array) => bigint | undefined;
  /** .debug_addr entries (DW_OP_addrx, DW_OP_constx). */
  addrx?: (index: number) => number;
  /** Added to DW_OP_addr (symbol files loaded at an offset). */
  loadOffset?: number;
}

const U64 = (1n << 64n) - 1n;
const MAX_STEPS = 10_000;
const MAX_STACK = 1024;

class LocError extends Error {}

/** Evaluates a location expression. Empty: optimised out (DWARF 5 2.6.1.1.1). */
export function evaluateLocation(expr: Uint8Array, ports: LocationPorts, addrSize = 8, depth = 0): Location {
  if (expr.length === 0) return { kind: 'optimized' };
  try {
    return run(expr, ports, addrSize, depth);
  } catch (e) {
    return { kind: 'error', message: e instanceof LocError ? e.message : `bad location expression (${(e as Error).message})` };
  }
}

function run(expr: Uint8Array, ports: LocationPorts, addrSize: number, depth: number): Location {
  const r = new ByteReader(expr);
  const stack: bigint[] = [];
  const pieces: { loc: Location; bits: number }[] = [];
  let loc: Location | undefined; // a register or implicit location waiting for its piece
  const push = (v: bigint) => { if (stack.length >= MAX_STACK) throw new LocError('location stack overflow'); stack.push(v & U64); };
  const pop = (): bigint => { const v = stack.pop(); if (v === undefined) throw new LocError('location stack underflow'); return v; };
  const signed = (v: bigint) => BigInt.asIntN(64, v);
  const reg = (n: number): bigint => {
    const v = ports.reg(n);
    if (v === undefined) throw new LocError(`register ${n} is not known in this frame`);
    return v;
  };
  const read = (a: bigint, size: number): bigint => {
    const v = ports.read(a, size);
    if (v === undefined) throw new LocError(`cannot read 0x${a.toString(16)}`);
    return v;
  };
  const finishPiece = (bits: number) => {
    pieces.push({ loc: loc ?? (stack.length ? { kind: 'memory', address: pop() } : { kind: 'optimized' }), bits });
    loc = undefined;
  };
  for (let steps = 0; !r.atEnd(expr.length); steps++) {
    if (steps > MAX_STEPS) throw new LocError('location expression runs too long');
    const op = r.u8();
    if (op >= 0x30 && op <= 0x4f) { push(BigInt(op - 0x30)); continue; } // lit0..31
    if (op >= 0x50 && op <= 0x6f) { loc = { kind: 'register', reg: op - 0x50 }; continue; } // reg0..31
    if (op >= 0x70 && op <= 0x8f) { push(reg(op - 0x70) + BigInt(r.sleb())); continue; } // breg0..31
    switch (op) {
      case 0x03: push(BigInt(r.addr(addrSize) + (ports.loadOffset ?? 0))); break; // addr
      case 0x06: push(read(pop(), addrSize)); break; // deref
      case 0x08: push(BigInt(r.u8())); break; // const1u
      case 0x09: push(BigInt(r.i8())); break; // const1s
      case 0x0a: push(BigInt(r.u16())); break;
      case 0x0b: push(BigInt(BigInt.asIntN(16, BigInt(r.u16())))); break;
      case 0x0c: push(BigInt(r.u32())); break;
      case 0x0d: push(BigInt.asIntN(32, BigInt(r.u32()))); break;
      case 0x0e: { const lo = BigInt(r.u32()); push((BigInt(r.u32()) << 32n) | lo); break; } // const8u
      case 0x0f: { const lo = BigInt(r.u32()); push((BigInt(r.u32()) << 32n) | lo); break; } // const8s
      case 0x10: push(BigInt(r.uleb())); break; // constu
      case 0x11: push(BigInt(r.sleb())); break; // consts
      case 0x12: { const v = pop(); push(v); push(v); break; } // dup
      case 0x13: pop(); break; // drop
      case 0x14: { if (stack.length < 2) throw new LocError('location stack underflow'); push(stack[stack.length - 2]); break; } // over
      case 0x15: { const i = r.u8(); if (i >= stack.length) throw new LocError('pick out of range'); push(stack[stack.length - 1 - i]); break; }
      case 0x16: { const a = pop(), b = pop(); push(a); push(b); break; } // swap
      case 0x17: { const a = pop(), b = pop(), c = pop(); push(a); push(c); push(b); break; } // rot
      case 0x19: { const v = signed(pop()); push(v < 0n ? -v : v); break; } // abs
      case 0x1a: { const b = pop(), a = pop(); push(a & b); break; }
      case 0x1b: { const b = signed(pop()), a = signed(pop()); if (b === 0n) throw new LocError('division by zero'); push(a / b); break; }
      case 0x1c: { const b = pop(), a = pop(); push(a - b); break; }
      case 0x1d: { const b = pop(), a = pop(); if (b === 0n) throw new LocError('division by zero'); push(a % b); break; }
      case 0x1e: { const b = pop(), a = pop(); push(a * b); break; }
      case 0x1f: push(-pop()); break; // neg
      case 0x20: push(~pop()); break; // not
      case 0x21: { const b = pop(), a = pop(); push(a | b); break; }
      case 0x22: { const b = pop(), a = pop(); push(a + b); break; }
      case 0x23: push(pop() + BigInt(r.uleb())); break; // plus_uconst
      case 0x24: { const b = pop(), a = pop(); push(a << (b & 63n)); break; }
      case 0x25: { const b = pop(), a = pop(); push(a >> (b & 63n)); break; }
      case 0x26: { const b = pop(), a = signed(pop()); push(a >> (b & 63n)); break; }
      case 0x27: { const b = pop(), a = pop(); push(a ^ b); break; }
      case 0x28: { const off = BigInt.asIntN(16, BigInt(r.u16())); if (pop() !== 0n) r.pos += Number(off); break; } // bra
      case 0x29: case 0x2a: case 0x2b: case 0x2c: case 0x2d: case 0x2e: { // eq ge gt le lt ne (signed)
        const b = signed(pop()), a = signed(pop());
        const t = op === 0x29 ? a === b : op === 0x2a ? a >= b : op === 0x2b ? a > b : op === 0x2c ? a <= b : op === 0x2d ? a < b : a !== b;
        push(t ? 1n : 0n);
        break;
      }
      case 0x2f: { const off = BigInt.asIntN(16, BigInt(r.u16())); r.pos += Number(off); break; } // skip
      case 0x90: loc = { kind: 'register', reg: r.uleb() }; break; // regx
      case 0x91: { // fbreg
        const off = BigInt(r.sleb());
        const fb = ports.frameBase?.();
        if (!fb) throw new LocError('no frame base');
        if (fb.kind === 'memory') push(fb.address + off);
        else if (fb.kind === 'register') push(reg(fb.reg) + off);
        else if (fb.kind === 'value') push(fb.value + off);
        else throw new LocError(fb.kind === 'error' ? fb.message : 'frame base unavailable');
        break;
      }
      case 0x92: { const n = r.uleb(); push(reg(n) + BigInt(r.sleb())); break; } // bregx
      case 0x93: finishPiece(r.uleb() * 8); break; // piece
      case 0x94: { const size = r.u8(); push(read(pop(), size)); break; } // deref_size
      case 0x96: break; // nop
      case 0x9c: { // call_frame_cfa
        if (ports.cfa === undefined) throw new LocError('no call-frame information here');
        push(ports.cfa);
        break;
      }
      case 0x9d: { const bits = r.uleb(); r.uleb(); finishPiece(bits); break; } // bit_piece (offset ignored: gcc emits 0)
      case 0x9e: { const n = r.uleb(); loc = { kind: 'implicit', bytes: expr.slice(r.pos, r.pos + n) }; r.pos += n; break; } // implicit_value
      case 0x9f: loc = { kind: 'value', value: pop() }; break; // stack_value
      case 0xa1: case 0xe1: { const n = r.uleb(); push(BigInt(ports.addrx?.(n) ?? 0) + BigInt(ports.loadOffset ?? 0)); break; } // addrx/constx (GNU_addr_index)
      case 0xa2: case 0xe2: { const n = r.uleb(); push(BigInt(ports.addrx?.(n) ?? 0)); break; }
      case 0xa3: case 0xf3: { // entry_value / GNU_entry_value
        const n = r.uleb();
        const sub = expr.subarray(r.pos, r.pos + n);
        r.pos += n;
        if (depth > 2) throw new LocError('entry value nested too deep');
        const v = ports.entryValue?.(sub);
        if (v === undefined) return { kind: 'optimized' };
        push(v);
        break;
      }
      case 0xa4: case 0xf4: { r.uleb(); const n = r.u8(); let v = 0n; for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(expr[r.pos + i] ?? 0); r.pos += n; push(v); break; } // const_type
      case 0xa5: case 0xf5: { const n = r.uleb(); r.uleb(); push(reg(n)); break; } // regval_type
      case 0xa6: case 0xf6: { const size = r.u8(); r.uleb(); push(read(pop(), size)); break; } // deref_type
      case 0xa8: case 0xa9: case 0xf7: case 0xf9: r.uleb(); break; // convert / reinterpret: the bits stay
      case 0xe0: throw new LocError('thread-local storage is not supported');
      default: throw new LocError(`unsupported DW_OP 0x${op.toString(16)}`);
    }
  }
  if (pieces.length) {
    if (loc || stack.length) finishPiece(0);
    return { kind: 'pieces', pieces };
  }
  if (loc) return loc;
  if (stack.length === 0) return { kind: 'optimized' };
  return { kind: 'memory', address: stack[stack.length - 1] };
}

/**
 * The expression of a location attribute that applies at `pc`: the exprloc itself, or the
 * entry of a location list (DW_FORM_sec_offset / loclistx) whose range holds `pc`;
 * undefined when none does (the variable is optimised out there).
 */
export function locationAt(tree: DieTree, unit: DieUnit, value: AttrValue, pc: number, loadOffset = 0): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value;
  let offset: number | undefined;
  if (typeof value === 'number') offset = value;
  else if (value && typeof value === 'object' && 'index' in value && value.of === 'loclist') {
    offset = tree.listOffset(tree.sections.debugLoclists, unit.loclistsBase, value.index, unit.header.dwarf64);
  }
  if (offset === undefined) return undefined;
  const at = pc - loadOffset;
  return unit.header.version >= 5 ? fromLoclists(tree, unit, offset, at) : fromLoc(tree, unit, offset, at);
}

const MAX_LIST_ENTRIES = 100_000;

function fromLoclists(tree: DieTree, unit: DieUnit, offset: number, pc: number): Uint8Array | undefined {
  const sec = tree.sections.debugLoclists;
  if (!sec || offset >= sec.length) return undefined;
  const r = new ByteReader(sec, offset);
  const size = unit.header.addrSize;
  let base = unit.base;
  let fallback: Uint8Array | undefined;
  const expr = () => { const n = r.uleb(); const b = sec.subarray(r.pos, r.pos + n); r.pos += n; return b; };
  for (let k = 0; k < MAX_LIST_ENTRIES && !r.atEnd(); k++) {
    const kind = r.u8();
    let lo: number, hi: number;
    switch (kind) {
      case 0: return fallback; // end_of_list
      case 1: base = tree.addrx(unit, r.uleb()); continue; // base_addressx
      case 2: lo = tree.addrx(unit, r.uleb()); hi = tree.addrx(unit, r.uleb()); break; // startx_endx
      case 3: lo = tree.addrx(unit, r.uleb()); hi = lo + r.uleb(); break; // startx_length
      case 4: lo = base + r.uleb(); hi = base + r.uleb(); break; // offset_pair
      case 5: fallback = expr(); continue; // default_location
      case 6: base = r.addr(size); continue; // base_address
      case 7: lo = r.addr(size); hi = r.addr(size); break; // start_end
      case 8: lo = r.addr(size); hi = lo + r.uleb(); break; // start_length
      default: return undefined;
    }
    const e = expr();
    if (pc >= lo && pc < hi) return e;
  }
  return fallback;
}

function fromLoc(tree: DieTree, unit: DieUnit, offset: number, pc: number): Uint8Array | undefined {
  const sec = tree.sections.debugLoc;
  if (!sec || offset >= sec.length) return undefined;
  const r = new ByteReader(sec, offset);
  const size = unit.header.addrSize;
  const maxAddr = size === 8 ? -1 : 2 ** 32 - 1;
  let base = unit.base;
  for (let k = 0; k < MAX_LIST_ENTRIES && !r.atEnd(); k++) {
    const a = r.addr(size), b = r.addr(size);
    if (a === 0 && b === 0) return undefined;
    if (a === maxAddr) { base = b; continue; }
    const n = r.u16();
    const e = sec.subarray(r.pos, r.pos + n);
    r.pos += n;
    if (pc >= base + a && pc < base + b) return e;
  }
  return undefined;
}
