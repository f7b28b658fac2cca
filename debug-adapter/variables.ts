/**
 * The scopes of a stopped vCPU as DAP variables: Registers, Guest CSRs, Hypervisor (the
 * register groups of the facade) and VM exit (the exit that stopped it, else the vCPU's
 * latest traced exit). Values are hex; address-valued registers carry a memoryReference.
 */
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { GuestDebugger } from '../hypervisor-core/debug/guest-debugger';
import { REGISTERS, RegisterGroup, privilegeName } from '../hypervisor-core/debug/registers';
import type { ExitRecord } from '../hypervisor-core/hypervisor/trace/exit-trace';
import { memoryReference } from './memory-reference';

/** What a variablesReference stands for. */
export type ScopeRef = { vcpu: number; scope: RegisterGroup | 'exit' };

/** Scope names in display order. */
export const SCOPES: { scope: ScopeRef['scope']; name: string; presentationHint?: string; expensive: boolean }[] = [
  { scope: 'general', name: 'Registers', presentationHint: 'registers', expensive: false },
  { scope: 'guest', name: 'Guest CSRs', presentationHint: 'registers', expensive: false },
  { scope: 'hypervisor', name: 'Hypervisor', presentationHint: 'registers', expensive: false },
  { scope: 'exit', name: 'VM exit', expensive: false },
];

const hex = (v: bigint | number): string => '0x' + v.toString(16);
const PRIV = ['U', 'S', '?', 'M'];

/** The variables of a scope. */
export function scopeVariables(d: GuestDebugger, ref: ScopeRef): DebugProtocol.Variable[] {
  if (ref.scope === 'exit') return exitVariables(exitFor(d, ref.vcpu));
  const h = d.hart(ref.vcpu);
  const out: DebugProtocol.Variable[] = [];
  for (const r of REGISTERS) {
    if (r.group !== ref.scope) continue;
    const v = r.get(h);
    let value = hex(v);
    if (r.name === 'priv') value = `${PRIV[Number(v)] ?? v} (${privilegeName(h)})`;
    else if (r.name === 'V') value = String(v);
    else if (r.address) {
      const sym = d.describeAddress(v);
      if (sym) value += ` <${sym}>`;
    }
    out.push({
      name: r.name, value, variablesReference: 0,
      memoryReference: r.address && v !== 0n ? memoryReference(v) : undefined,
      presentationHint: r.set ? undefined : { attributes: ['readOnly'] },
    });
  }
  return out;
}

/** The exit shown for a vCPU: the one that stopped it, else its latest traced exit. */
export function exitFor(d: GuestDebugger, vcpu: number): ExitRecord | undefined {
  const s = d.lastStop;
  if (s?.exit && s.vcpu === vcpu) return s.exit.record;
  return d.vm.trace.recent().find((r) => r.vcpu === vcpu);
}

function exitVariables(r: ExitRecord | undefined): DebugProtocol.Variable[] {
  if (!r) return [{ name: 'exit', value: 'none yet', variablesReference: 0 }];
  const v = (name: string, value: string, mem?: bigint): DebugProtocol.Variable =>
    ({ name, value, variablesReference: 0, memoryReference: mem !== undefined ? memoryReference(mem, 'physical') : undefined });
  const out = [
    v('reason', r.reason), v('seq', String(r.seq)), v('vcpu', String(r.vcpu)), v('pc', hex(r.pc)),
    v('cause', hex(r.scause)), v('tval', hex(r.stval)), v('htval', hex(r.htval)), v('htinst', hex(r.htinst)),
  ];
  if (r.gpa !== undefined) out.push(v('gpa', hex(r.gpa), r.gpa));
  if (r.sbi) {
    const s = r.sbi;
    out.push(v('sbi', s.name), v('eid', hex(s.eid)), v('fid', hex(s.fid)));
    s.args.forEach((a, i) => out.push(v(`a${i}`, hex(BigInt.asUintN(64, a)))));
    if (s.error !== undefined) out.push(v('error', String(s.error)));
    if (s.value !== undefined) out.push(v('value', hex(BigInt.asUintN(64, s.value))));
  }
  if (r.mmio) {
    const m = r.mmio;
    out.push(v('device', m.device), v('access', `${m.write ? 'write' : 'read'} ${m.size} byte${m.size > 1 ? 's' : ''}`),
      v('address', hex(m.address), m.address), v('data', hex(BigInt.asUintN(64, m.value))));
  }
  out.push(v('time', `${(r.ns / 1000).toFixed(2)}us`));
  if (r.note) out.push(v('note', r.note));
  return out;
}

/** An exit record as JSON (bigints as hex strings), for custom requests. */
export function exitRecordJson(r: ExitRecord): Record<string, unknown> {
  return JSON.parse(JSON.stringify(r, (_k, val) => (typeof val === 'bigint' ? hex(BigInt.asUintN(64, val)) : val)));
}
