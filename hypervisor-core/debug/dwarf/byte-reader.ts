/**
 * A cursor over a DWARF section: fixed-size little-endian integers, LEB128, strings and
 * initial lengths (32- or 64-bit DWARF). Offsets and lengths come back as numbers; target
 * addresses (`addr`) as signed code addresses (see ../address.ts), exact for kernel
 * addresses such as 0xffffffff80000000.
 */

const TWO32 = 4294967296;
const decoder = new TextDecoder();

/** Reads a DWARF section sequentially. */
export class ByteReader {
  private readonly view: DataView;
  /** Current offset into the section. */
  pos: number;

  constructor(readonly bytes: Uint8Array, pos = 0) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = pos;
  }

  /** True when the cursor is at or past `end` (default: the end of the section). */
  atEnd(end = this.bytes.length): boolean {
    return this.pos >= end;
  }

  u8(): number { return this.view.getUint8(this.pos++); }
  i8(): number { return this.view.getInt8(this.pos++); }
  u16(): number { const v = this.view.getUint16(this.pos, true); this.pos += 2; return v; }
  u24(): number { const v = this.u16(); return v + this.u8() * 65536; }
  u32(): number { const v = this.view.getUint32(this.pos, true); this.pos += 4; return v; }
  u64(): number { const lo = this.u32(); return this.u32() * TWO32 + lo; }

  /** A target address of `size` bytes: 8-byte ones sign-extended (a code address, ../address.ts). */
  addr(size: number): number {
    if (size !== 8) return this.uint(size);
    const lo = this.u32();
    return (this.u32() | 0) * TWO32 + lo;
  }

  /** An unsigned integer of `size` bytes (1, 2, 4 or 8). */
  uint(size: number): number {
    switch (size) {
      case 1: return this.u8();
      case 2: return this.u16();
      case 4: return this.u32();
      case 8: return this.u64();
      default: throw new Error(`DWARF: unsupported integer size ${size}`);
    }
  }

  /** Unsigned LEB128 (exact to 2^53). */
  uleb(): number {
    let result = 0, mul = 1, b: number;
    do {
      b = this.u8();
      result += (b & 0x7f) * mul;
      mul *= 128;
    } while (b & 0x80);
    return result;
  }

  /** Signed LEB128 (exact to 2^53). */
  sleb(): number {
    let result = 0, mul = 1, b: number;
    do {
      b = this.u8();
      result += (b & 0x7f) * mul;
      mul *= 128;
    } while (b & 0x80);
    if (b & 0x40) result -= mul;
    return result;
  }

  /** A NUL-terminated UTF-8 string. */
  cstr(): string {
    const start = this.pos;
    while (this.bytes[this.pos] !== 0 && this.pos < this.bytes.length) this.pos++;
    const s = decoder.decode(this.bytes.subarray(start, this.pos));
    this.pos++;
    return s;
  }

  /** A unit's initial length: returns the length and whether the unit is 64-bit DWARF. */
  initialLength(): { length: number; dwarf64: boolean } {
    const l = this.u32();
    if (l === 0xffffffff) return { length: this.u64(), dwarf64: true };
    return { length: l, dwarf64: false };
  }

  /** A section offset: 4 bytes, or 8 in 64-bit DWARF. */
  offset(dwarf64: boolean): number {
    return dwarf64 ? this.u64() : this.u32();
  }

  /** Skips `n` bytes. */
  skip(n: number): void {
    this.pos += n;
  }
}

/** The NUL-terminated string at `offset` of a string section (.debug_str, .debug_line_str). */
export function stringAt(section: Uint8Array | undefined, offset: number): string {
  if (!section || offset >= section.length) return '';
  let end = offset;
  while (end < section.length && section[end] !== 0) end++;
  return decoder.decode(section.subarray(offset, end));
}
