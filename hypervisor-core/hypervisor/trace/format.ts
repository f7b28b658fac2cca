/**
 * One-line text of a traced exit, for the CLI, logs and the debugger's exception details:
 *
 *   #41 vcpu0 sbi pc=0x80200010 DBCN.console_write(0x5, 0x80201000, 0x0) -> 0, 0x5 1.20us
 *   #42 vcpu1 mmio pc=0x80200040 uart0 write 1 @0x10000000 = 0x41 0.80us
 *   #43 vcpu0 guest-page-fault pc=0x80200100 scause=0x17 stval=0x80400000 gpa=0x80400000 2.10us
 */
import { ExitRecord } from './exit-trace';

const hex = (v: bigint | number) => '0x' + v.toString(16);

/** The record on one line (no trailing newline). */
export function formatExitRecord(r: ExitRecord): string {
  const parts = [`#${r.seq}`, `vcpu${r.vcpu}`, r.reason, `pc=${hex(r.pc)}`];
  if (r.sbi) {
    const s = r.sbi;
    let call = `${s.name}(${s.args.map(hex).join(', ')})`;
    if (s.error !== undefined) call += ` -> ${s.error}` + (s.value !== undefined ? `, ${hex(s.value)}` : '');
    parts.push(call);
  } else if (r.mmio) {
    const m = r.mmio;
    parts.push(`${m.device} ${m.write ? 'write' : 'read'} ${m.size} @${hex(m.address)} ${m.write ? '=' : '->'} ${hex(m.value)}`);
  } else {
    parts.push(`scause=${hex(r.scause)}`, `stval=${hex(r.stval)}`);
    if (r.htval !== 0n) parts.push(`htval=${hex(r.htval)}`);
    if (r.htinst !== 0n) parts.push(`htinst=${hex(r.htinst)}`);
    if (r.gpa !== undefined) parts.push(`gpa=${hex(r.gpa)}`);
  }
  parts.push(`${(r.ns / 1000).toFixed(2)}us`);
  if (r.note) parts.push(`(${r.note})`);
  return parts.join(' ');
}
