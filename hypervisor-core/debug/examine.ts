/**
 * gdb's `x/NFU ADDR` for the Debug Console, in gdb's layout (gdb 13 on QEMU's stub is the
 * reference): N units; the format F and the unit size U in either order (`x/8gx` and
 * `x/8xg`); F = x (hex, zero-padded), d, u, o, t (binary), c (char), a (address with its
 * symbol), s (C strings), i (instructions, `=>` at the pc); U = b, h, w, g. Per line: 8 bytes,
 * 8 halfwords, 4 words, 2 giants, as gdb prints them. Hex bytes (`x/16xb`) end each line with
 * an ASCII column, which gdb does not have.
 */
import type { GuestDebugger } from './guest-debugger';
import { disassembleAround } from './disassembly';
import { ExprError } from './expression';

/** The most units one `x` shows. */
export const MAX_EXAMINE_COUNT = 4096;
/** The longest string `x/s` shows before "..." (gdb's `print elements` default). */
export const MAX_STRING = 200;

const UNITS: Record<string, number> = { b: 1, h: 2, w: 4, g: 8 };
const FORMATS = 'xduotcasi';

/** A parsed `/NFU`. */
export interface ExamineSpec { count: number; format: string; unit?: string }

/** Parses the `/NFU` part (without the slash); throws ExprError for an unknown letter. */
export function parseExamineSpec(spec: string): ExamineSpec {
  const m = /^(\d*)([a-z]*)$/.exec(spec);
  if (!m) throw new ExprError(`x/${spec}: write x/NFU, e.g. x/8xg (N units, F a format of ${FORMATS}, U a size of bhwg)`);
  let format: string | undefined, unit: string | undefined;
  for (const c of m[2]) {
    if (c in UNITS && !unit) unit = c;
    else if (FORMATS.includes(c) && !format) format = c;
    else throw new ExprError(`x/${spec}: '${c}' is not a format (${FORMATS}) or a unit size (bhwg), or is given twice`);
  }
  const count = m[1] ? Number(m[1]) : 1;
  if (count < 1 || count > MAX_EXAMINE_COUNT) throw new ExprError(`x/${spec}: the count must be 1 to ${MAX_EXAMINE_COUNT}`);
  return { count, format: format ?? 'x', unit };
}

const hex = (v: bigint): string => '0x' + v.toString(16);
/** gdb writes the offset in `<symbol+offset>` in decimal (objdump, and the Disassembly view, in hex). */
const gdbLabel = (label: string): string => label.replace(/\+0x([0-9a-f]+)$/, (_, h: string) => '+' + parseInt(h, 16));

/** The text of `x/spec addr` on a vCPU. */
export function examine(d: GuestDebugger, vcpu: number, spec: ExamineSpec, addr: bigint): string {
  const at = (a: bigint): string => {
    const sym = d.describeAddress(a);
    return `${hex(a)}${sym ? ` <${gdbLabel(sym)}>` : ''}:`;
  };
  if (spec.format === 'i') {
    const pc = d.vm.vcpus[vcpu].pc();
    return disassembleAround(d, vcpu, addr, 0, spec.count)
      .map((i) => `${i.address === pc ? '=> ' : '   '}${at(i.address)}\t${i.text.replace(' ', '\t')}`).join('\n');
  }
  if (spec.format === 's') return strings(d, vcpu, spec.count, addr, at);
  const size = UNITS[spec.unit ?? (spec.format === 'c' ? 'b' : spec.format === 'a' ? 'g' : 'w')];
  const bytes = d.memory.readVirt(d.hart(vcpu), addr, spec.count * size);
  if (!bytes) throw new ExprError(`cannot read memory at ${hex(addr)}`);
  const perLine = spec.format === 'c' || size === 1 ? 8 : size === 2 ? 8 : size === 4 ? 4 : 2;
  const lines: string[] = [];
  for (let i = 0; i < spec.count; i += perLine) {
    const a = addr + BigInt(i * size);
    const cells: string[] = [];
    for (let k = i; k < Math.min(spec.count, i + perLine); k++) {
      let v = 0n;
      for (let b = size - 1; b >= 0; b--) v = (v << 8n) | BigInt(bytes[k * size + b]);
      cells.push(cell(d, spec.format, size, v));
    }
    let line = `${at(a)}\t${cells.join('\t')}`;
    if (spec.format === 'x' && size === 1) line += `\t|${ascii(bytes.subarray(i, Math.min(spec.count, i + perLine)))}|`;
    lines.push(line);
  }
  return lines.join('\n');
}

function cell(d: GuestDebugger, format: string, size: number, v: bigint): string {
  const bits = size * 8;
  switch (format) {
    case 'd': return BigInt.asIntN(bits, v).toString();
    case 'u': return v.toString();
    case 'o': return v === 0n ? '0' : '0' + v.toString(8);
    case 't': return v.toString(2).padStart(bits, '0');
    case 'c': return `${BigInt.asIntN(8, v)} ${charLiteral(Number(v & 0xffn))}`;
    case 'a': {
      const sym = d.describeAddress(v);
      return `${hex(v)}${sym ? ` <${gdbLabel(sym)}>` : ''}`;
    }
    default: return '0x' + v.toString(16).padStart(size * 2, '0');
  }
}

/** The printable ASCII of some bytes, '.' for the others (hexdump -C's column). */
export function ascii(b: Uint8Array): string {
  return Array.from(b, (c) => (c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.')).join('');
}

const ESCAPES: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 27: '\\033', 34: '\\"', 92: '\\\\' };

/** A byte as gdb writes it inside a C string: escapes, printable ASCII, else octal. */
function escapeByte(c: number): string {
  if (ESCAPES[c]) return ESCAPES[c];
  if (c >= 0x20 && c < 0x7f) return String.fromCharCode(c);
  return '\\' + c.toString(8).padStart(3, '0');
}

function charLiteral(c: number): string {
  if (c === 39) return "'\\''";
  if (c === 34) return "'\"'";
  return `'${escapeByte(c)}'`;
}

/** `x/Ns`: N NUL-terminated strings, each cut at MAX_STRING bytes with "...". */
function strings(d: GuestDebugger, vcpu: number, count: number, addr: bigint, at: (a: bigint) => string): string {
  const lines: string[] = [];
  let a = addr;
  for (let n = 0; n < count; n++) {
    let text = '', len = 0, ended = false;
    while (len < MAX_STRING) {
      const b = d.memory.readVirt(d.hart(vcpu), a + BigInt(len), 1);
      if (!b) {
        if (len === 0) throw new ExprError(`cannot read memory at ${hex(a)}`);
        break;
      }
      len++;
      if (b[0] === 0) { ended = true; break; }
      text += escapeByte(b[0]);
    }
    lines.push(`${at(a)}\t"${text}"${ended || len < MAX_STRING ? '' : '...'}`);
    a += BigInt(len);
    if (!ended && len < MAX_STRING) break; // unreadable memory ends the listing
  }
  return lines.join('\n');
}
