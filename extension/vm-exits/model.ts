/**
 * What the VM Exits view shows for one traced exit, from the adapter's `hyperscope.exitTrace`
 * answer ({ exits: ExitJson[], total }, newest first; 64-bit values as "0x..." strings, see
 * debug-adapter/variables.ts exitRecordJson). Pure: no vscode import.
 */

/** One traced exit as the adapter sends it. */
export interface ExitJson {
  seq: number;
  vcpu: number;
  reason: string;
  pc: string;
  scause?: string;
  stval?: string;
  htval?: string;
  htinst?: string;
  gpa?: string;
  sbi?: { eid: number; fid: number; name: string; args?: string[]; error?: number; value?: string };
  mmio?: { device: string; address: string; size: number; write: boolean; value: string };
  ns: number;
  note?: string;
  /** Instructions the vCPU had retired at the exit. */
  instret?: number;
  /** The VM's retired instructions (all vCPUs) at the exit: where "Go to This Exit" travels. */
  position?: number;
}

/** The answer of `hyperscope.exitTrace`. */
export interface ExitTraceJson {
  exits: ExitJson[];
  total?: number;
}

/** Validates an answer; keeps the records that have the fields the view needs. */
export function parseExitTrace(body: unknown): ExitTraceJson | undefined {
  const b = body as Partial<ExitTraceJson> | undefined;
  if (!b || !Array.isArray(b.exits)) return undefined;
  const exits = b.exits.filter((e): e is ExitJson =>
    !!e && typeof e === 'object' && typeof e.seq === 'number' && typeof e.vcpu === 'number' && typeof e.reason === 'string');
  return { exits, total: typeof b.total === 'number' ? b.total : undefined };
}

/** Handling time: "850 ns", "2.13 µs", "1.20 ms". */
export function formatNs(ns: number): string {
  if (!Number.isFinite(ns)) return '?';
  if (ns < 1000) return `${Math.round(ns)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(2)} µs`;
  return `${(ns / 1e6).toFixed(2)} ms`;
}

/** What the exit was about, in a few words. */
export function exitSummary(e: ExitJson): string {
  if (e.sbi) return e.sbi.name || `eid ${hex(e.sbi.eid)} fid ${e.sbi.fid}`;
  if (e.mmio) return `${e.mmio.device} ${e.mmio.write ? 'write' : 'read'} ${e.mmio.address}${e.mmio.write ? ` = ${e.mmio.value}` : ''} (${e.mmio.size} B)`;
  if (e.gpa) return `GPA ${e.gpa}${e.note ? ` (${e.note})` : ''}`;
  return e.note ?? '';
}

const hex = (n: number): string => `0x${n.toString(16)}`;

/** The tree item's label: "#35 sbi DBCN.console_write". */
export function exitLabel(e: ExitJson): string {
  const s = exitSummary(e);
  return `#${e.seq} ${e.reason}${s ? ` ${s}` : ''}`;
}

/** The tree item's description: "vCPU 0 · pc 0x80200abc · 2.13 µs". */
export function exitDescription(e: ExitJson): string {
  return `vCPU ${e.vcpu} · pc ${e.pc} · ${formatNs(e.ns)}`;
}

/** Every field, one per line: the tooltip and the details document. */
export function exitDetails(e: ExitJson): string {
  const lines = [
    `VM exit #${e.seq}: ${e.reason}`,
    `vCPU        ${e.vcpu}`,
    `pc          ${e.pc}`,
  ];
  const put = (k: string, v: string | number | undefined): void => {
    if (v !== undefined && v !== '') lines.push(`${k.padEnd(12)}${v}`);
  };
  put('scause', e.scause);
  put('stval', e.stval);
  put('htval', e.htval);
  put('htinst', e.htinst);
  put('gpa', e.gpa);
  if (e.sbi) {
    put('sbi', `${e.sbi.name} (eid ${hex(e.sbi.eid)}, fid ${e.sbi.fid})`);
    if (e.sbi.args?.length) put('args', e.sbi.args.join(' '));
    put('error', e.sbi.error);
    put('value', e.sbi.value);
  }
  if (e.mmio) {
    put('device', e.mmio.device);
    put('access', `${e.mmio.write ? 'write' : 'read'} of ${e.mmio.size} byte${e.mmio.size === 1 ? '' : 's'} at ${e.mmio.address}`);
    put('value', e.mmio.value);
  }
  put('handled in', formatNs(e.ns));
  put('note', e.note);
  return lines.join('\n');
}
