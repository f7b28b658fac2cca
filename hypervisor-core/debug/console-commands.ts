/**
 * The debug console: gdb-style commands and expressions evaluated on a stopped vCPU.
 *
 *   x/NFU ADDR      examine memory: N units, F = x (hex) | d | u | i (instructions),
 *                   U = b | h | w | g (1, 2, 4, 8 bytes); ADDR is an expression
 *   translate ADDR  the VS-stage walk of ADDR, level by level, then GPA and HPA
 *   exits           the perf-kvm-stat style exit table
 *   info vcpus      every vCPU with its state, pc and privilege
 *   EXPR            an expression ($a0, $sepc, symbols, *(uint64_t*)ADDR, arithmetic)
 */
import { formatExitTable } from '../hypervisor/stats/perf-table';
import { ExprError, compileExpression } from './expression';
import type { GuestDebugger } from './guest-debugger';
import { disassembleAround } from './disassembly';
import { privilegeName } from './registers';

const hex = (v: bigint | number): string => '0x' + v.toString(16);

/** Result of an evaluation: the text, and the value when it was an expression. */
export interface ConsoleResult {
  text: string;
  value?: bigint | string;
}

/** Evaluates a console line on `vcpu`; throws ExprError (one-line message) on errors. */
export function evaluateConsole(d: GuestDebugger, vcpu: number, line: string): ConsoleResult {
  const t = line.trim();
  const x = /^x(?:\/(\d*)([xdui]?)([bhwg]?))?\s+(.+)$/.exec(t);
  if (x) return { text: examine(d, vcpu, Number(x[1] || 1), x[2] || 'x', x[3] || 'w', evalNumber(d, vcpu, x[4])) };
  const tr = /^translate\s+(.+)$/.exec(t);
  if (tr) return { text: translateText(d, vcpu, evalNumber(d, vcpu, tr[1])) };
  if (t === 'exits') return { text: formatExitTable(d.statsReport()) };
  if (t === 'info vcpus') return { text: infoVcpus(d) };
  const v = compileExpression(t)(d.exprEnv(vcpu));
  if (typeof v === 'string') return { text: JSON.stringify(v), value: v };
  const sym = d.describeAddress(Number(v));
  return { text: `${hex(v)} (${v})${sym ? ` <${sym}>` : ''}`, value: v };
}

function evalNumber(d: GuestDebugger, vcpu: number, src: string): bigint {
  const v = compileExpression(src)(d.exprEnv(vcpu));
  if (typeof v !== 'bigint') throw new ExprError(`'${src}' is not an address`);
  return v;
}

function examine(d: GuestDebugger, vcpu: number, count: number, format: string, unit: string, addr: bigint): string {
  if (count < 1 || count > 4096) throw new ExprError('count must be 1..4096');
  if (format === 'i') {
    return disassembleAround(d, vcpu, addr, 0, count)
      .map((i) => `${hex(i.address)}${i.symbol ? ` <${i.symbol}>` : ''}:\t${i.text}`).join('\n');
  }
  const size = { b: 1, h: 2, w: 4, g: 8 }[unit as 'b' | 'h' | 'w' | 'g'];
  const bytes = d.memory.readVirt(d.hart(vcpu), addr, count * size);
  if (!bytes || bytes.length < size) throw new ExprError(`cannot read memory at ${hex(addr)}`);
  const perLine = Math.max(1, 16 / size);
  const lines: string[] = [];
  for (let i = 0; i * size + size <= bytes.length; i++) {
    let v = 0n;
    for (let b = size - 1; b >= 0; b--) v = (v << 8n) | BigInt(bytes[i * size + b]);
    const a = addr + BigInt(i * size);
    if (i % perLine === 0) {
      const sym = d.describeAddress(Number(a));
      lines.push(`${hex(a)}${sym ? ` <${sym}>` : ''}:`);
    }
    const text = format === 'd' ? BigInt.asIntN(size * 8, v).toString() : format === 'u' ? v.toString() : '0x' + v.toString(16).padStart(size * 2, '0');
    lines[lines.length - 1] += '\t' + text;
  }
  return lines.join('\n');
}

/** The `translate` text: mode, each level's PTE, the GPA and HPA. */
export function translateText(d: GuestDebugger, vcpu: number, gva: bigint): string {
  const t = d.memory.translate(d.hart(vcpu), gva);
  const lines = [`GVA ${hex(t.gva)} (vsatp mode ${t.mode})`];
  for (const s of t.steps) lines.push(`  level ${s.level}: PTE @ GPA ${hex(s.pteAddress)} = ${hex(s.pte)} [${s.flags}]`);
  if (t.fault) lines.push(`  fault: ${t.fault}`);
  if (t.gpa !== undefined) lines.push(`GPA ${hex(t.gpa)}`);
  if (t.gpa !== undefined) lines.push(t.hpa !== undefined ? `HPA ${hex(t.hpa)}` : 'HPA: not mapped yet (the G-stage maps guest RAM on first touch) or not RAM');
  return lines.join('\n');
}

function infoVcpus(d: GuestDebugger): string {
  return d.vm.vcpus.map((v) => {
    const pc = v.pc();
    const sym = d.describeAddress(Number(pc));
    return `vCPU ${v.id}: ${v.state} pc=${hex(pc)}${sym ? ` <${sym}>` : ''} ${privilegeName(v.hart)} instret=${v.hart.instret}`;
  }).join('\n');
}
