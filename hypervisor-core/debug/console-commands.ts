/**
 * The debug console: gdb-style commands and expressions evaluated on a stopped vCPU. The
 * commands are a table (name, usage, one line of help) that `help` lists; a line that is no
 * command is a C expression in the selected frame (locals, globals, $a0, $sepc, casts, ->,
 * [], sizeof; c-console.ts), printed as gdb prints it.
 */
import { formatExitTable } from '../hypervisor/stats/perf-table';
import { ExprError } from './expression';
import { ExpressionResult, evaluateAddress, evaluateExpression } from './c-console';
import type { GuestDebugger } from './guest-debugger';
import { examine, parseExamineSpec } from './examine';
import { privilegeName } from './registers';
import { LINUX_COMMANDS } from './linux/commands';
import { balloonStats } from '../hypervisor/balloon-stats';

const hex = (v: bigint | number): string => '0x' + v.toString(16);

/** Result of an evaluation: the text, and the value when it was an expression. */
export interface ConsoleResult {
  text: string;
  value?: bigint | string;
  /** For an expression: its typed value, type and memory address (c-console.ts). */
  expression?: ExpressionResult;
}

/** A console command: `run` gets the text after the name (trimmed). */
export interface ConsoleCommand {
  name: string;
  usage: string;
  help: string;
  run(d: GuestDebugger, vcpu: number, args: string): string;
}

const COMMANDS: ConsoleCommand[] = [
  {
    name: 'x', usage: 'x/NFU ADDR',
    help: 'examine memory as gdb: N units, F = x d u o t c a s i, U = b h w g, either order (x/8xg, x/8gx, x/s, x/4i $pc)',
    run: (d, vcpu, args) => {
      const m = /^(?:\/(\S*))?\s*(.*)$/.exec(args)!;
      if (!m[2]) throw new ExprError('x needs an address: x/NFU ADDR');
      return examine(d, vcpu, parseExamineSpec(m[1] ?? ''), evalNumber(d, vcpu, m[2]));
    },
  },
  {
    name: 'translate', usage: 'translate ADDR',
    help: 'the two-stage walk of a guest virtual address: VS-stage PTEs (each with its G-stage walk), the GPA, the HPA',
    run: (d, vcpu, args) => translateText(d, vcpu, evalNumber(d, vcpu, args)),
  },
  { name: 'exits', usage: 'exits', help: 'the VM exits so far, as perf kvm stat report shows them', run: (d) => formatExitTable(d.statsReport()) },
  {
    name: 'balloon', usage: 'balloon [SIZE]',
    help: 'the memory balloon (launch attribute balloon): its target, size, the committed host memory and the guest\'s statistics; with SIZE (64M), a new target',
    run: (d, _vcpu, args) => balloonCommand(d, args),
  },
  { name: 'info vcpus', usage: 'info vcpus', help: 'every vCPU with its state, pc and privilege', run: (d) => infoVcpus(d) },
  ...LINUX_COMMANDS,
  { name: 'help', usage: 'help [COMMAND]', help: 'this list, or the help of one command', run: (_d, _v, args) => helpText(args) },
];

function helpText(name: string): string {
  if (name) {
    const c = COMMANDS.find((x) => x.name === name);
    if (!c) throw new ExprError(`no command '${name}': type help for the list`);
    return `${c.usage}\n  ${c.help}`;
  }
  const width = Math.max(...COMMANDS.map((c) => c.usage.length));
  return [
    'Debug Console commands:',
    ...COMMANDS.map((c) => `  ${c.usage.padEnd(width)}  ${c.help}`),
    'Anything else is a C expression in the selected frame: locals, globals, $a0, $sepc, s->next->name, (struct task_struct *)$tp, sizeof, *(uint64_t*)ADDR.',
  ].join('\n');
}

/** The command a line starts with, and the rest of the line. */
function commandOf(line: string): { c: ConsoleCommand; args: string } | undefined {
  for (const c of COMMANDS) {
    if (line === c.name) return { c, args: '' };
    if (line.startsWith(c.name) && (/\s/.test(line[c.name.length]) || (c.name === 'x' && line[1] === '/'))) return { c, args: line.slice(c.name.length).trim() };
  }
  return undefined;
}

/** Evaluates a console line on `vcpu`; throws ExprError (one-line message) on errors. */
export function evaluateConsole(d: GuestDebugger, vcpu: number, line: string, frame = 0): ConsoleResult {
  const t = line.trim();
  const cmd = commandOf(t);
  if (cmd) {
    lineFrame = frame;
    try {
      return { text: cmd.c.run(d, vcpu, cmd.args) };
    } finally {
      lineFrame = 0;
    }
  }
  const r = evaluateExpression(d, vcpu, t, frame);
  return { text: r.text, value: r.legacy ?? r.address, expression: r };
}

/** The frame of the line being run: commands' addresses are expressions in it. */
let lineFrame = 0;

function evalNumber(d: GuestDebugger, vcpu: number, src: string): bigint {
  return evaluateAddress(d, vcpu, src, lineFrame);
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

/** `balloon [SIZE]`: the balloon's figures, after setting a new target when SIZE is given. */
function balloonCommand(d: GuestDebugger, args: string): string {
  const b = d.vm.balloon;
  if (!b) throw new ExprError('the VM has no balloon (launch attribute "balloon": true)');
  if (args) {
    const m = /^(\d+)([KMG]?)$/i.exec(args);
    if (!m) throw new ExprError(`balloon needs a size such as 64M, not '${args}'`);
    const bytes = Number(m[1]) * { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2].toUpperCase() as '' | 'K' | 'M' | 'G'];
    if (bytes > d.vm.ram.size) throw new ExprError(`the balloon cannot hold more than the guest's RAM (${d.vm.ram.size >> 20} MiB)`);
    b.setTarget(bytes);
  }
  const s = balloonStats(d.vm)!;
  const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;
  const guest = Object.entries(s.guest).map(([k, v]) => `${k}=${v}`).join(' ');
  return `balloon: target ${mib(s.targetBytes)}, actual ${mib(s.actualBytes)} of ${mib(s.ramBytes)} RAM; committed host memory ${mib(s.committedBytes)}\n` +
    `memstat (KiB): ${guest}`;
}
