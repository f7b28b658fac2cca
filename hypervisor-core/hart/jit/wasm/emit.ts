/**
 * A small WebAssembly binary writer: LEB128 numbers, the opcodes the region compiler uses,
 * function bodies with named labels, and the module sections (WebAssembly core
 * specification 1.0, chapter 5 "Binary Format"; sign-extension and mutable-global exports
 * as Node 20's V8 has them).
 */

/** Value types (spec 5.3.1). */
export const I32 = 0x7f;
export const I64 = 0x7e;
/** The empty block type (spec 5.4.1). */
const EMPTY = 0x40;

/** Opcodes (spec 5.4). */
export const enum W {
  unreachable = 0x00, block = 0x02, loop = 0x03, if = 0x04, else = 0x05, end = 0x0b,
  br = 0x0c, br_if = 0x0d, br_table = 0x0e, return = 0x0f, call = 0x10, call_indirect = 0x11, drop = 0x1a, select = 0x1b,
  local_get = 0x20, local_set = 0x21, local_tee = 0x22, global_get = 0x23, global_set = 0x24,
  i32_load = 0x28, i64_load = 0x29, i32_load8_u = 0x2d, i32_load16_u = 0x2f, i64_load8_s = 0x30, i64_load8_u = 0x31, i64_load16_s = 0x32,
  i64_load16_u = 0x33, i64_load32_s = 0x34, i64_load32_u = 0x35, i32_store = 0x36, i64_store = 0x37,
  i32_store16 = 0x3b, i64_store8 = 0x3c, i64_store16 = 0x3d, i64_store32 = 0x3e,
  i32_const = 0x41, i64_const = 0x42,
  i32_eqz = 0x45, i32_eq = 0x46, i32_ne = 0x47, i32_lt_s = 0x48, i32_lt_u = 0x49, i32_gt_s = 0x4a,
  i32_gt_u = 0x4b, i32_le_s = 0x4c, i32_le_u = 0x4d, i32_ge_s = 0x4e, i32_ge_u = 0x4f,
  i64_eqz = 0x50, i64_eq = 0x51, i64_ne = 0x52, i64_lt_s = 0x53, i64_lt_u = 0x54, i64_gt_s = 0x55,
  i64_gt_u = 0x56, i64_le_s = 0x57, i64_le_u = 0x58, i64_ge_s = 0x59, i64_ge_u = 0x5a,
  i32_add = 0x6a, i32_sub = 0x6b, i32_mul = 0x6c, i32_div_s = 0x6d, i32_div_u = 0x6e, i32_rem_s = 0x6f,
  i32_rem_u = 0x70, i32_and = 0x71, i32_or = 0x72, i32_xor = 0x73, i32_shl = 0x74, i32_shr_s = 0x75, i32_shr_u = 0x76,
  i64_add = 0x7c, i64_sub = 0x7d, i64_mul = 0x7e, i64_div_s = 0x7f, i64_div_u = 0x80, i64_rem_s = 0x81,
  i64_rem_u = 0x82, i64_and = 0x83, i64_or = 0x84, i64_xor = 0x85, i64_shl = 0x86, i64_shr_s = 0x87, i64_shr_u = 0x88,
  i32_wrap_i64 = 0xa7, i64_extend_i32_s = 0xac, i64_extend_i32_u = 0xad,
}

/**
 * A growing byte buffer. Region modules are built at every compile, so the writer avoids
 * per-byte array pushes and copies (a number[] writer cost ten times the JavaScript
 * backend's source generation).
 */
export class Bytes {
  buf = new Uint8Array(256);
  len = 0;

  private grow(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  byte(b: number): void {
    if (this.len === this.buf.length) this.grow(1);
    this.buf[this.len++] = b;
  }
  /** Appends the unsigned LEB128 encoding of v (0 <= v < 2^32). */
  uleb(v: number): void {
    v >>>= 0;
    do {
      let b = v & 0x7f;
      v >>>= 7;
      if (v !== 0) b |= 0x80;
      this.byte(b);
    } while (v !== 0);
  }
  /** Appends the signed LEB128 encoding of the 32-bit integer v. */
  sleb32(v: number): void {
    v |= 0;
    for (;;) {
      const b = v & 0x7f;
      v >>= 7;
      if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) { this.byte(b); return; }
      this.byte(b | 0x80);
    }
  }
  /** Appends the signed LEB128 encoding of the 64-bit integer (hi:lo, two int32 halves). */
  sleb64(lo: number, hi: number): void {
    // 7 bits at a time from a 64-bit value held as two halves, shifted arithmetically.
    lo |= 0; hi |= 0;
    for (;;) {
      const b = lo & 0x7f;
      lo = (lo >>> 7) | (hi << 25);
      hi >>= 7;
      if ((hi === 0 && lo === 0 && (b & 0x40) === 0) || (hi === -1 && lo === -1 && (b & 0x40) !== 0)) { this.byte(b); return; }
      this.byte(b | 0x80);
    }
  }
  /** Appends other's bytes. */
  append(other: Bytes): void {
    this.grow(other.len);
    this.buf.set(other.buf.subarray(0, other.len), this.len);
    this.len += other.len;
  }
  /** Appends a name (length, then the characters; ASCII only). */
  name(s: string): void {
    this.uleb(s.length);
    for (let i = 0; i < s.length; i++) this.byte(s.charCodeAt(i));
  }
}

/**
 * One function body: its extra locals and its code, with structured control instructions
 * opened under a name so a branch says where it goes (`br('out')`) instead of counting
 * nesting depths.
 */
export class Body {
  readonly code = new Bytes();
  private readonly localTypes: number[] = [];
  private readonly labels: string[] = [];

  /** @param params the function's parameter count (locals are numbered after them) */
  constructor(private readonly params: number) {}

  /** A new local of type t; returns its index. */
  local(t: number): number {
    this.localTypes.push(t);
    return this.params + this.localTypes.length - 1;
  }

  /** Emits up to four opcodes (or raw bytes) in order. */
  op(a: number, b = -1, c = -1, d = -1): this {
    const code = this.code;
    code.byte(a);
    if (b >= 0) code.byte(b);
    if (c >= 0) code.byte(c);
    if (d >= 0) code.byte(d);
    return this;
  }
  get(l: number): this { this.code.byte(W.local_get); this.code.uleb(l); return this; }
  set(l: number): this { this.code.byte(W.local_set); this.code.uleb(l); return this; }
  tee(l: number): this { this.code.byte(W.local_tee); this.code.uleb(l); return this; }
  i32(v: number): this { this.code.byte(W.i32_const); this.code.sleb32(v); return this; }
  i64(lo: number, hi: number): this { this.code.byte(W.i64_const); this.code.sleb64(lo, hi); return this; }
  /** A load or store with alignment hint 0 (any alignment) and a constant offset. */
  mem(opcode: number, offset = 0): this { this.code.byte(opcode); this.code.byte(0); this.code.uleb(offset); return this; }
  call(f: number): this { this.code.byte(W.call); this.code.uleb(f); return this; }
  /** `call_indirect` through table 0 with signature `type` (the callee index on the stack). */
  callIndirect(type: number): this { this.code.byte(W.call_indirect); this.code.uleb(type); this.code.byte(0x00); return this; }
  globalGet(g: number): this { this.code.byte(W.global_get); this.code.uleb(g); return this; }
  globalSet(g: number): this { this.code.byte(W.global_set); this.code.uleb(g); return this; }

  /** Opens `block`, `loop` or `if` (no result) under a label name. */
  open(kind: W.block | W.loop | W.if, label: string): this {
    this.code.byte(kind);
    this.code.byte(EMPTY);
    this.labels.push(label);
    return this;
  }
  /** `else` of the innermost `if` (keeps its label). */
  else(): this { this.code.byte(W.else); return this; }
  /** Closes the innermost construct. */
  end(): this {
    this.labels.pop();
    this.code.byte(W.end);
    return this;
  }
  private depth(label: string): number {
    const i = this.labels.lastIndexOf(label);
    if (i < 0) throw new Error(`wasm: no label ${label}`);
    return this.labels.length - 1 - i;
  }
  br(label: string): this { this.code.byte(W.br); this.code.uleb(this.depth(label)); return this; }
  brIf(label: string): this { this.code.byte(W.br_if); this.code.uleb(this.depth(label)); return this; }
  brTable(targets: string[], otherwise: string): this {
    this.code.byte(W.br_table);
    this.code.uleb(targets.length);
    for (const t of targets) this.code.uleb(this.depth(t));
    this.code.uleb(this.depth(otherwise));
    return this;
  }

  /** Appends the encoded body (size, locals, code, final `end`) as the code section holds it. */
  encodeInto(out: Bytes): void {
    if (this.labels.length !== 0) throw new Error(`wasm: unclosed ${this.labels.join(', ')}`);
    const head = new Bytes();
    // Runs of one type, as (count, type) pairs.
    const runs: [number, number][] = [];
    for (const t of this.localTypes) {
      const last = runs[runs.length - 1];
      if (last !== undefined && last[1] === t) last[0]++;
      else runs.push([1, t]);
    }
    head.uleb(runs.length);
    for (const [n, t] of runs) { head.uleb(n); head.byte(t); }
    out.uleb(head.len + this.code.len + 1);
    out.append(head);
    out.append(this.code);
    out.byte(W.end);
  }
}

/** A function signature. */
export interface FuncType { params: number[]; results: number[] }

/**
 * What a module is made of: one imported memory, optionally an imported funcref table,
 * functions, mutable i32 globals, exports.
 */
export interface ModuleSpec {
  /** Import module/field name of the memory, and whether it is shared (then with a maximum). */
  memory: { module: string; name: string; shared: boolean };
  /** Import module/field name of a funcref table (table 0). */
  table?: { module: string; name: string };
  /** Imported functions (module/field name, type index): functions 0.. before the module's own. */
  funcImports?: { module: string; name: string; type: number }[];
  types: FuncType[];
  /** Each function's type index and body. */
  funcs: { type: number; body: Body }[];
  /** Mutable i32 globals, initialised to 0. */
  globals: number;
  exports: { name: string; kind: 'func' | 'global'; index: number }[];
}

function section(out: Bytes, id: number, content: Bytes): void {
  out.byte(id);
  out.uleb(content.len);
  out.append(content);
}

/** The binary of a module (spec 5.5). */
export function encodeModule(m: ModuleSpec): Uint8Array {
  const out = new Bytes();
  for (const b of [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]) out.byte(b);
  const types = new Bytes();
  types.uleb(m.types.length);
  for (const t of m.types) {
    types.byte(0x60);
    types.uleb(t.params.length);
    for (const p of t.params) types.byte(p);
    types.uleb(t.results.length);
    for (const r of t.results) types.byte(r);
  }
  section(out, 1, types);
  const imports = new Bytes();
  const funcImports = m.funcImports ?? [];
  imports.uleb(1 + (m.table !== undefined ? 1 : 0) + funcImports.length);
  for (const f of funcImports) {
    imports.name(f.module);
    imports.name(f.name);
    imports.byte(0x00);
    imports.uleb(f.type);
  }
  imports.name(m.memory.module);
  imports.name(m.memory.name);
  imports.byte(0x02);
  // A shared memory must declare a maximum (threads proposal); 65536 pages is wasm32's whole range.
  if (m.memory.shared) { imports.byte(0x03); imports.byte(0x00); imports.uleb(65536); } else { imports.byte(0x00); imports.byte(0x00); }
  if (m.table !== undefined) {
    imports.name(m.table.module);
    imports.name(m.table.name);
    imports.byte(0x01); // a table: funcref, no minimum (it grows as regions are installed)
    imports.byte(0x70);
    imports.byte(0x00);
    imports.byte(0x00);
  }
  section(out, 2, imports);
  const funcs = new Bytes();
  funcs.uleb(m.funcs.length);
  for (const f of m.funcs) funcs.uleb(f.type);
  section(out, 3, funcs);
  if (m.globals > 0) {
    const globals = new Bytes();
    globals.uleb(m.globals);
    for (let g = 0; g < m.globals; g++) for (const b of [I32, 0x01, W.i32_const, 0x00, W.end]) globals.byte(b);
    section(out, 6, globals);
  }
  const exported = new Bytes();
  exported.uleb(m.exports.length);
  for (const e of m.exports) {
    exported.name(e.name);
    exported.byte(e.kind === 'func' ? 0x00 : 0x03);
    exported.uleb(e.index);
  }
  section(out, 7, exported);
  const code = new Bytes();
  code.uleb(m.funcs.length);
  for (const f of m.funcs) f.body.encodeInto(code);
  section(out, 10, code);
  return out.buf.slice(0, out.len);
}
