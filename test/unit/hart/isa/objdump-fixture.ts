/**
 * Reads the `objdump -d` listings committed under test/fixtures/isa (see regen.sh
 * there): one record per instruction line, and a symbolizer that gives back, for
 * each target address, the `<symbol+0xoff>` text objdump printed for it (choosing
 * the symbol is the caller's business; the disassembler only formats it).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

/** One disassembled instruction of a listing. */
export interface DumpLine {
  addr: bigint;
  /** the instruction as objdump shows it: halfword or word */
  raw: number;
  length: 2 | 4;
  /** mnemonic TAB operands, without objdump's trailing "# ..." comment */
  text: string;
  /** the line as in the file, for messages */
  line: string;
}

/** A parsed listing. */
export interface Dump {
  lines: DumpLine[];
  symbolize: (addr: bigint) => string | undefined;
}

/** Absolute path of a fixture file (works from out/test/... and from test/...). */
export function fixturePath(name: string): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('repository root not found');
    dir = up;
  }
  return path.join(dir, 'test', 'fixtures', 'isa', name);
}

/** Read a fixture as text (gunzipped when it ends in .gz). */
export function readFixture(name: string): string {
  const data = fs.readFileSync(fixturePath(name));
  return (name.endsWith('.gz') ? zlib.gunzipSync(data) : data).toString('utf8');
}

const INSN_RE = /^\s*([0-9a-f]+):\t([0-9a-f]+)\s*\t(.*)$/;
const TARGET_RE = /([0-9a-f]+) <([^>]+)>/;

/** Parse an `objdump -d` listing. */
export function parseDump(name: string): Dump {
  const lines: DumpLine[] = [];
  const targets = new Map<bigint, string>();
  for (const line of readFixture(name).split('\n')) {
    const m = INSN_RE.exec(line);
    if (!m) continue;
    const text = m[3].replace(/ # .*$/, '');
    const t = TARGET_RE.exec(text);
    if (t) targets.set(BigInt('0x' + t[1]), t[2]);
    lines.push({ addr: BigInt('0x' + m[1]), raw: parseInt(m[2], 16), length: m[2].length === 4 ? 2 : 4, text, line });
  }
  return { lines, symbolize: (addr) => targets.get(addr) };
}
