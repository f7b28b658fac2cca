/**
 * The debug console: gdb-style commands and expressions evaluated on a stopped vCPU.
 *
 *   x/NFU ADDR      examine memory: N units, F = x (hex) | d | u | i (instructions),
 *                   U = b | h | w | g (1, 2, 4, 8 bytes); ADDR is an expression
 *   translate ADDR  the two-stage walk of ADDR, level by level: VS-stage PTEs (each with
 *                   its G-stage translation), the GPA, its G-stage walk and the HPA
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
  const sym = d.describeAddress(v);
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
      const sym = d.describeAddress(a);
      lines.push(`${hex(a)}${sym ? ` <${sym}>` : ''}:`);
    }
    const text = format === 'd' ? BigInt.asIntN(size * 8, v).toString() : format === 'u' ? v.toString() : '0x' + v.toString(16).padStart(size * 2, '0');
    lines[lines.length - 1] += '\t' + text;
  }
  return lines.join('\n');
}

/** The `translate` text: the VS-stage walk level by level (each PTE's GPA with its own G-stage walk), the GPA, its G-stage walk and the HPA. */
export function translateText(d: GuestDebugger, vcpu: number, gva: bigint): string {
  const t = d.memory.translate(d.hart(vcpu), gva);
  const lines = [`GVA ${hex(t.gva)}: VS stage ${t.mode}${t.mode !== 'bare' ? ` (vsatp root GPA ${hex(t.root)})` : ''}`];
  for (const s of t.steps) {
    lines.push(`  VS level ${s.level}: PTE @ GPA ${hex(s.pteAddress)} = ${hex(s.pte)} [${s.flags}]`);
    const g = s.gstage;
    const hpa = g.output !== undefined ? `HPA ${hex(g.output)}` : `G-stage fault: ${g.fault}`;
    lines.push(`    PTE GPA -> ${hpa}${g.steps.length ? ` (${g.steps.map((x) => `L${x.level} ${hex(x.pte)} [${x.flags}]`).join(', ')})` : ''}`);
  }
  if (t.fault) lines.push(`  fault: ${t.fault}`);
  if (t.gpa === undefined) return lines.join('\n');
  lines.push(`GPA ${hex(t.gpa)}`);
  const g = t.gstage!;
  lines.push(`  G stage ${g.mode}${g.mode !== 'bare' ? ` (hgatp root HPA ${hex(g.root)})` : ''}`);
  for (const s of g.steps) lines.push(`  G level ${s.level}: PTE @ HPA ${hex(s.pteAddress)} = ${hex(s.pte)} [${s.flags}]`);
  if (g.fault) lines.push(`  G-stage fault: ${g.fault}${t.hpaFromSlot ? ' (the hypervisor maps this page on the guest\'s first touch)' : ''}`);
  if (t.hpa !== undefined) lines.push(`HPA ${hex(t.hpa)}${t.hpaFromSlot ? ' (from the RAM slot)' : ''}`);
  else lines.push('HPA: none (not RAM, or a RAM page the guest has not touched yet)');
  return lines.join('\n');
}

function infoVcpus(d: GuestDebugger): string {
  return d.vm.vcpus.map((v) => {
    const pc = v.pc();
    const sym = d.describeAddress(pc);
    return `vCPU ${v.id}: ${v.state} pc=${hex(pc)}${sym ? ` <${sym}>` : ''} ${privilegeName(v.hart)} instret=${v.hart.instret}`;
  }).join('\n');
}
