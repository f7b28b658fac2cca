/**
 * A flattened devicetree (DTB) writer, format version 17 (Devicetree Specification v0.4,
 * chapter 5 "Flattened Devicetree (DTB) Format").
 *
 * Blob layout (all fields big-endian):
 *
 *   0x00  fdt_header (40 bytes)
 *           magic 0xd00dfeed | totalsize | off_dt_struct | off_dt_strings | off_mem_rsvmap
 *           version 17 | last_comp_version 16 | boot_cpuid_phys | size_dt_strings
 *           size_dt_struct
 *   0x28  memory reservation block (8-byte aligned): {u64 address, u64 size}*, then {0, 0}
 *   ....  structure block (4-byte aligned): tokens FDT_BEGIN_NODE (1) name\0 pad4,
 *           FDT_PROP (3) u32 len, u32 nameoff, value pad4, FDT_END_NODE (2), FDT_END (9)
 *   ....  strings block: NUL-terminated property names, deduplicated
 *
 * Values are numbers; 64-bit cells must be below 2^53 (every physical address here is).
 */

/** Structure block tokens (spec 5.4.1). */
export const FDT_BEGIN_NODE = 1;
/** End of a node. */
export const FDT_END_NODE = 2;
/** A property. */
export const FDT_PROP = 3;
/** No-op token. */
export const FDT_NOP = 4;
/** End of the structure block. */
export const FDT_END = 9;
/** Header magic. */
export const FDT_MAGIC = 0xd00dfeed;
/** Size of the v17 header. */
export const FDT_HEADER_SIZE = 40;

/** One memory reservation block entry. */
export interface FdtReservation {
  /** Physical address of the reserved region. */
  address: number;
  /** Size in bytes. */
  size: number;
}

const encoder = new TextEncoder();

/** Growable big-endian byte buffer. */
class ByteSink {
  buf = new Uint8Array(1024);
  len = 0;
  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  u32(v: number): void {
    this.ensure(4);
    const b = this.buf;
    const i = this.len;
    b[i] = (v >>> 24) & 0xff;
    b[i + 1] = (v >>> 16) & 0xff;
    b[i + 2] = (v >>> 8) & 0xff;
    b[i + 3] = v & 0xff;
    this.len += 4;
  }
  bytes(data: Uint8Array): void {
    this.ensure(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
  }
  pad4(): void {
    const n = (4 - (this.len & 3)) & 3;
    this.ensure(n);
    this.buf.fill(0, this.len, this.len + n);
    this.len += n;
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** Splits a number below 2^53 into two 32-bit cells, high first. */
function u64Cells(v: number): [number, number] {
  if (!Number.isSafeInteger(v) || v < 0) throw new Error(`FDT u64 value out of range: ${v}`);
  return [Math.floor(v / 0x100000000) >>> 0, v >>> 0];
}

/**
 * Builds a DTB: open nodes with {@link beginNode}, add properties, close with
 * {@link endNode}, then call {@link finish}. The root node is opened with `beginNode('')`.
 */
export class FdtBuilder {
  private readonly struct = new ByteSink();
  private readonly strings = new ByteSink();
  private readonly stringOffsets = new Map<string, number>();
  private readonly reservations: FdtReservation[] = [];
  private readonly openNodes: string[] = [];
  private nextPhandle = 1;
  private rootSeen = false;
  private finished = false;
  /** `boot_cpuid_phys` written into the header. */
  bootCpuidPhys = 0;

  /** Returns a new, unique phandle (1, 2, 3...). */
  allocPhandle(): number {
    return this.nextPhandle++;
  }

  /** Adds an entry to the memory reservation block. */
  addReservation(address: number, size: number): this {
    u64Cells(address);
    u64Cells(size);
    this.reservations.push({ address, size });
    return this;
  }

  /** Opens a node; `''` for the root, otherwise `name` or `name@unit-address`. */
  beginNode(name: string): this {
    this.checkOpen();
    if (this.openNodes.length === 0) {
      if (name !== '' || this.rootSeen) throw new Error('FDT: the first and only top-level node must be the root ("")');
      this.rootSeen = true;
    } else if (name === '' || name.includes('/') || name.includes('\0')) {
      throw new Error(`FDT: invalid node name "${name}"`);
    }
    this.struct.u32(FDT_BEGIN_NODE);
    this.struct.bytes(encoder.encode(name));
    this.struct.bytes(new Uint8Array(1));
    this.struct.pad4();
    this.openNodes.push(name);
    return this;
  }

  /** Closes the innermost open node. */
  endNode(): this {
    this.checkOpen();
    if (this.openNodes.length === 0) throw new Error('FDT: endNode without an open node');
    this.openNodes.pop();
    this.struct.u32(FDT_END_NODE);
    return this;
  }

  /** A property with no value (e.g. `interrupt-controller;`). */
  propEmpty(name: string): this {
    return this.propBytes(name, new Uint8Array(0));
  }

  /** A single 32-bit cell. */
  propU32(name: string, value: number): this {
    return this.propU32Array(name, [value]);
  }

  /** A list of 32-bit cells. */
  propU32Array(name: string, values: readonly number[]): this {
    const out = new Uint8Array(values.length * 4);
    const view = new DataView(out.buffer);
    values.forEach((v, i) => view.setUint32(i * 4, v >>> 0));
    return this.propBytes(name, out);
  }

  /** A 64-bit value as two cells (high, low); value below 2^53. */
  propU64(name: string, value: number): this {
    return this.propU64Array(name, [value]);
  }

  /** A list of 64-bit values, each as two cells: handy for `reg` with 2/2 cells. */
  propU64Array(name: string, values: readonly number[]): this {
    return this.propU32Array(name, values.flatMap(u64Cells));
  }

  /** A NUL-terminated string. */
  propString(name: string, value: string): this {
    return this.propStrings(name, [value]);
  }

  /** A string list (each string NUL-terminated, concatenated). */
  propStrings(name: string, values: readonly string[]): this {
    const parts = values.map((s) => encoder.encode(s + '\0'));
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return this.propBytes(name, out);
  }

  /** A property with raw bytes as its value. */
  propBytes(name: string, value: Uint8Array): this {
    this.checkOpen();
    if (this.openNodes.length === 0) throw new Error(`FDT: property "${name}" outside any node`);
    this.struct.u32(FDT_PROP);
    this.struct.u32(value.length);
    this.struct.u32(this.stringOffset(name));
    this.struct.bytes(value);
    this.struct.pad4();
    return this;
  }

  /** Closes the structure block and returns the complete blob. */
  finish(): Uint8Array {
    this.checkOpen();
    if (!this.rootSeen) throw new Error('FDT: no root node');
    if (this.openNodes.length !== 0) throw new Error(`FDT: node "${this.openNodes[this.openNodes.length - 1]}" not closed`);
    this.struct.u32(FDT_END);
    this.finished = true;

    const rsvOff = FDT_HEADER_SIZE; // 40 is already 8-byte aligned
    const rsvSize = (this.reservations.length + 1) * 16;
    const structOff = rsvOff + rsvSize;
    const structSize = this.struct.len;
    const stringsOff = structOff + structSize;
    const stringsSize = this.strings.len;
    const total = stringsOff + stringsSize;

    const out = new Uint8Array(total);
    const view = new DataView(out.buffer);
    const header = [
      FDT_MAGIC, total, structOff, stringsOff, rsvOff, 17, 16,
      this.bootCpuidPhys, stringsSize, structSize,
    ];
    header.forEach((v, i) => view.setUint32(i * 4, v >>> 0));
    this.reservations.forEach((r, i) => {
      const [ah, al] = u64Cells(r.address);
      const [sh, sl] = u64Cells(r.size);
      view.setUint32(rsvOff + i * 16, ah);
      view.setUint32(rsvOff + i * 16 + 4, al);
      view.setUint32(rsvOff + i * 16 + 8, sh);
      view.setUint32(rsvOff + i * 16 + 12, sl);
    });
    out.set(this.struct.result(), structOff);
    out.set(this.strings.result(), stringsOff);
    return out;
  }

  private stringOffset(name: string): number {
    let off = this.stringOffsets.get(name);
    if (off === undefined) {
      off = this.strings.len;
      this.strings.bytes(encoder.encode(name + '\0'));
      this.stringOffsets.set(name, off);
    }
    return off;
  }

  private checkOpen(): void {
    if (this.finished) throw new Error('FDT: builder already finished');
  }
}
