/**
 * A small DTB reader (Devicetree Specification v0.4, chapter 5): header, memory reservation
 * block and structure block back into a tree of nodes with raw property values, plus typed
 * accessors. Used by tests and by the debugger to show the guest's device tree.
 */
import { FDT_BEGIN_NODE, FDT_END, FDT_END_NODE, FDT_MAGIC, FDT_NOP, FDT_PROP, type FdtReservation } from './fdt-builder';

const decoder = new TextDecoder();

/** One node of a parsed tree. */
export class FdtNode {
  /** Properties in blob order, values as raw bytes. */
  readonly props = new Map<string, Uint8Array>();
  /** Child nodes in blob order. */
  readonly children: FdtNode[] = [];

  constructor(
    /** Full node name including any unit address (`''` for the root). */
    readonly name: string,
  ) {}

  /** The child with exactly this name, if any. */
  child(name: string): FdtNode | undefined {
    return this.children.find((c) => c.name === name);
  }

  /** Looks a node up by absolute-style path relative to this node ("/soc/serial@10000000"). */
  find(path: string): FdtNode | undefined {
    let node: FdtNode | undefined = this;
    for (const part of path.split('/').filter((p) => p !== '')) {
      node = node.child(part);
      if (!node) return undefined;
    }
    return node;
  }

  /** True if the property exists. */
  has(prop: string): boolean {
    return this.props.has(prop);
  }

  /** Property as big-endian 32-bit cells. */
  u32s(prop: string): number[] | undefined {
    const v = this.props.get(prop);
    if (!v || v.length % 4 !== 0) return undefined;
    const view = new DataView(v.buffer, v.byteOffset, v.length);
    const out: number[] = [];
    for (let i = 0; i < v.length; i += 4) out.push(view.getUint32(i));
    return out;
  }

  /** Property as a single 32-bit cell. */
  u32(prop: string): number | undefined {
    const cells = this.u32s(prop);
    return cells && cells.length === 1 ? cells[0] : undefined;
  }

  /** Property as a list of 64-bit values (pairs of cells; each below 2^53). */
  u64s(prop: string): number[] | undefined {
    const cells = this.u32s(prop);
    if (!cells || cells.length % 2 !== 0) return undefined;
    const out: number[] = [];
    for (let i = 0; i < cells.length; i += 2) out.push(cells[i] * 0x100000000 + cells[i + 1]);
    return out;
  }

  /** Property as a string list. */
  strings(prop: string): string[] | undefined {
    const v = this.props.get(prop);
    if (!v || v.length === 0 || v[v.length - 1] !== 0) return undefined;
    return decoder.decode(v.subarray(0, v.length - 1)).split('\0');
  }

  /** Property as one string. */
  string(prop: string): string | undefined {
    const list = this.strings(prop);
    return list && list.length === 1 ? list[0] : undefined;
  }
}

/** A parsed DTB. */
export interface ParsedFdt {
  /** The root node. */
  root: FdtNode;
  /** Memory reservation entries. */
  reservations: FdtReservation[];
  /** Header version field. */
  version: number;
  /** Header last_comp_version field. */
  lastCompVersion: number;
  /** Header boot_cpuid_phys field. */
  bootCpuidPhys: number;
  /** Header totalsize field. */
  totalSize: number;
}

/**
 * Parses a DTB.
 * @throws Error with a one-line message when the blob is malformed.
 */
export function parseFdt(blob: Uint8Array): ParsedFdt {
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const fail = (msg: string): never => {
    throw new Error(`bad device tree blob: ${msg}`);
  };
  if (blob.length < 40) fail('shorter than the header');
  if (view.getUint32(0) !== FDT_MAGIC) fail('wrong magic');
  const totalSize = view.getUint32(4);
  const offStruct = view.getUint32(8);
  const offStrings = view.getUint32(12);
  const offRsv = view.getUint32(16);
  const version = view.getUint32(20);
  const lastCompVersion = view.getUint32(24);
  const bootCpuidPhys = view.getUint32(28);
  const sizeStrings = view.getUint32(32);
  const sizeStruct = view.getUint32(36);
  if (totalSize > blob.length) fail(`totalsize ${totalSize} exceeds blob length ${blob.length}`);
  if (offStruct + sizeStruct > totalSize || offStrings + sizeStrings > totalSize) fail('block outside the blob');

  const reservations: FdtReservation[] = [];
  for (let at = offRsv; ; at += 16) {
    if (at + 16 > totalSize) fail('unterminated memory reservation block');
    const address = view.getUint32(at) * 0x100000000 + view.getUint32(at + 4);
    const size = view.getUint32(at + 8) * 0x100000000 + view.getUint32(at + 12);
    if (address === 0 && size === 0) break;
    reservations.push({ address, size });
  }

  const cstring = (at: number, limit: number): [string, number] => {
    let end = at;
    while (end < limit && blob[end] !== 0) end++;
    if (end >= limit) fail('unterminated string');
    return [decoder.decode(blob.subarray(at, end)), end + 1];
  };

  const stack: FdtNode[] = [];
  let root: FdtNode | undefined;
  const structEnd = offStruct + sizeStruct;
  let at = offStruct;
  for (;;) {
    if (at + 4 > structEnd) fail('structure block ends without FDT_END');
    const token = view.getUint32(at);
    at += 4;
    if (token === FDT_BEGIN_NODE) {
      const [name, next] = cstring(at, structEnd);
      at = (next + 3) & ~3;
      const node = new FdtNode(name);
      if (stack.length === 0) {
        if (root) fail('more than one root node');
        root = node;
      } else {
        stack[stack.length - 1].children.push(node);
      }
      stack.push(node);
    } else if (token === FDT_END_NODE) {
      if (stack.pop() === undefined) fail('unbalanced FDT_END_NODE');
    } else if (token === FDT_PROP) {
      const len = view.getUint32(at);
      const nameOff = view.getUint32(at + 4);
      at += 8;
      if (stack.length === 0) fail('property outside a node');
      if (at + len > structEnd) fail('property value past the structure block');
      const [name] = cstring(offStrings + nameOff, offStrings + sizeStrings);
      stack[stack.length - 1].props.set(name, blob.slice(at, at + len));
      at = (at + len + 3) & ~3;
    } else if (token === FDT_NOP) {
      continue;
    } else if (token === FDT_END) {
      break;
    } else {
      fail(`unknown token ${token} at offset ${at - 4}`);
    }
  }
  if (!root || stack.length !== 0) fail('unbalanced nodes');
  return { root: root as FdtNode, reservations, version, lastCompVersion, bootCpuidPhys, totalSize };
}
