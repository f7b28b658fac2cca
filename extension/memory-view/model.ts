/**
 * What the Memory view shows, from DAP `readMemory` answers: rows of 16 bytes with their
 * address, hex and ASCII; the edits it sends back (`writeMemory`); the pointer it follows.
 * Pure: no vscode import.
 */

/** Bytes per row and rows per page. */
export const ROW_BYTES = 16;
export const PAGE_ROWS = 16;
export const PAGE_BYTES = ROW_BYTES * PAGE_ROWS;

/** One row: its address, its bytes (undefined where unreadable), the ASCII column. */
export interface MemoryRow {
  address: string;
  bytes: (number | undefined)[];
  ascii: string;
}

/** A `readMemory` answer decoded: the bytes read from `address`, then `unreadable` bytes. */
export interface MemoryPage {
  address: bigint;
  data: Uint8Array;
  unreadable: number;
}

/** Decodes a readMemory response body ({ address, data base64, unreadableBytes }). */
export function parseReadMemory(body: unknown, requested: bigint): MemoryPage {
  const b = body as { address?: unknown; data?: unknown; unreadableBytes?: unknown } | undefined;
  const address = typeof b?.address === 'string' && /^0x[0-9a-f]+$/i.test(b.address) ? BigInt(b.address) : requested;
  const data = typeof b?.data === 'string' ? new Uint8Array(Buffer.from(b.data, 'base64')) : new Uint8Array(0);
  return { address, data, unreadable: typeof b?.unreadableBytes === 'number' ? b.unreadableBytes : 0 };
}

const hex = (v: bigint): string => '0x' + v.toString(16).padStart(16, '0');

/** The rows of a page (bytes past the data are unreadable). */
export function rowsOf(page: MemoryPage, length = PAGE_BYTES): MemoryRow[] {
  const rows: MemoryRow[] = [];
  for (let off = 0; off < length; off += ROW_BYTES) {
    const bytes: (number | undefined)[] = [];
    for (let k = off; k < off + ROW_BYTES; k++) bytes.push(k < page.data.length ? page.data[k] : undefined);
    rows.push({
      address: hex(BigInt.asUintN(64, page.address + BigInt(off))),
      bytes,
      ascii: bytes.map((c) => (c === undefined ? ' ' : c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.')).join(''),
    });
  }
  return rows;
}

/** The 64-bit little-endian value at `offset` of a page (a pointer to follow), or undefined when not all 8 bytes were read. */
export function pointerAt(page: MemoryPage, offset: number): bigint | undefined {
  if (offset < 0 || offset + 8 > page.data.length) return undefined;
  let v = 0n;
  for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(page.data[offset + i]);
  return v;
}

/** Parses what the user typed for a byte: one or two hex digits; undefined otherwise. */
export function parseByte(text: string): number | undefined {
  const t = text.trim().replace(/^0x/i, '');
  return /^[0-9a-f]{1,2}$/i.test(t) ? parseInt(t, 16) : undefined;
}

/** Parses an address the user typed: hex (0x...) or decimal, within 64 bits; undefined otherwise. */
export function parseAddress(text: string): bigint | undefined {
  const t = text.trim();
  if (!/^(0x[0-9a-f]{1,16}|\d{1,20})$/i.test(t)) return undefined;
  const v = BigInt(t);
  return v < 1n << 64n ? v : undefined;
}

/** The memory reference of an address, as the adapter writes them. */
export function memoryReferenceOf(address: bigint, physical = false): string {
  return (physical ? 'phys:' : '') + '0x' + BigInt.asUintN(64, address).toString(16);
}
