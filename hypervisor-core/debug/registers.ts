/**
 * The registers the debugger shows and edits, by name, in three groups: the vCPU's general
 * registers (pc, x1..x31 by ABI name, privilege and V), the guest CSRs as the guest sees
 * them (its sstatus is the hart's vsstatus, its sie/sip the VS bits of mie/mip shifted to
 * the S positions, H spec 9.2.3/9.2.4; under shadow paging and trap-and-emulate what the
 * hypervisor keeps for the guest, guest-cpu.ts), and the hypervisor's H-extension CSRs.
 */
import { Hart, ABI_NAMES } from '../hart/hart';
import { Csr, Irq, Priv } from '../hart/csr-numbers';
import { Slot } from '../hart/hart-state';
import { CSR_VALUE, readCsr } from '../hart/csr-file';
import { guestCpuView } from './guest-cpu';

/** Register groups (the adapter's scopes). */
export type RegisterGroup = 'general' | 'guest' | 'hypervisor';

/** One register. */
export interface RegisterDef {
  name: string;
  group: RegisterGroup;
  /** Holds an address (the adapter attaches a memory reference). */
  address?: boolean;
  get(h: Hart): bigint;
  /** Absent for read-only entries. */
  set?(h: Hart, v: bigint): void;
}

const U64 = (1n << 64n) - 1n;
const VS_IRQS = (1 << Irq.VSSI) | (1 << Irq.VSTI) | (1 << Irq.VSEI);
const pair = (lo: number, hi: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
const loOf = (v: bigint): number => Number(BigInt.asIntN(32, v));
const hiOf = (v: bigint): number => Number(BigInt.asIntN(32, v >> 32n));

function slot(name: string, group: RegisterGroup, s: Slot, address = false): RegisterDef {
  return { name, group, address, get: (h) => pair(h.lo(s), h.hi(s)), set: (h, v) => { h.set(s, loOf(v), hiOf(v)); h.flushAllTlbs(); } };
}

/**
 * A guest S CSR: what the guest reads where the hypervisor keeps it apart from the hart
 * (guest-cpu.ts), else `get`/`set` on the hart (by default its VS slot `s`; `set` null: read-only).
 */
function guestCsr(name: string, csr: Csr, s: Slot, address = false,
  get: (h: Hart) => bigint = (h) => pair(h.lo(s), h.hi(s)),
  set: ((h: Hart, v: bigint) => void) | null = (h, v) => { h.set(s, loOf(v), hiOf(v)); h.flushAllTlbs(); }): RegisterDef {
  const def: RegisterDef = { name, group: 'guest', address, get: (h) => guestCpuView(h)?.read(csr) ?? get(h) };
  if (set) {
    def.set = (h, v) => {
      const w = guestCpuView(h)?.write(csr, v) ?? 'hart';
      if (w === 'hart') set(h, v);
      else if (!w) throw new Error(`${name} of this guest is the hypervisor's to set: the guest changes it itself`);
    };
  }
  return def;
}

function num(name: string, group: RegisterGroup, key: 'hedeleg' | 'hideleg' | 'hvip' | 'hcounteren' | 'hgeie' | 'mie'): RegisterDef {
  return { name, group, get: (h) => BigInt(h[key] >>> 0), set: (h, v) => { h[key] = Number(v & 0xffffffffn) | 0; } };
}

function buildRegisters(): RegisterDef[] {
  const out: RegisterDef[] = [{
    name: 'pc', group: 'general', address: true,
    get: (h) => pair(h.pcLo, h.pcHi), set: (h, v) => { h.pcLo = loOf(v); h.pcHi = hiOf(v); },
  }];
  for (let i = 1; i < 32; i++) {
    out.push({
      name: ABI_NAMES[i], group: 'general', address: true,
      get: (h) => pair(h.x[2 * i], h.x[2 * i + 1]),
      set: (h, v) => { h.x[2 * i] = loOf(v); h.x[2 * i + 1] = hiOf(v); },
    });
  }
  out.push(
    { name: 'priv', group: 'general', get: (h) => BigInt(guestCpuView(h)?.priv() ?? h.priv) },
    { name: 'V', group: 'general', get: (h) => (h.virt ? 1n : 0n) },
    // sstatus as the guest's csrr reads vsstatus: UXL and SD are composed by the hart.
    guestCsr('sstatus', Csr.SSTATUS, Slot.VSSTATUS, false, (h) => { readCsr(h, Csr.VSSTATUS); return pair(CSR_VALUE[0], CSR_VALUE[1]); }),
    guestCsr('sie', Csr.SIE, Slot.VSSTATUS, false,
      (h) => BigInt(((h.mie & h.hideleg & VS_IRQS) >>> 1) >>> 0),
      (h, v) => { const bits = (Number(v & 0xffffn) << 1) & VS_IRQS & h.hideleg; h.mie = (h.mie & ~(h.hideleg & VS_IRQS)) | bits; }),
    guestCsr('sip', Csr.SIP, Slot.VSSTATUS, false, (h) => BigInt(((h.pendingInterrupts() & h.hideleg & VS_IRQS) >>> 1) >>> 0), null),
    guestCsr('stvec', Csr.STVEC, Slot.VSTVEC, true),
    guestCsr('sscratch', Csr.SSCRATCH, Slot.VSSCRATCH, true),
    guestCsr('sepc', Csr.SEPC, Slot.VSEPC, true),
    guestCsr('scause', Csr.SCAUSE, Slot.VSCAUSE),
    guestCsr('stval', Csr.STVAL, Slot.VSTVAL, true),
    guestCsr('satp', Csr.SATP, Slot.VSATP),
    guestCsr('stimecmp', Csr.STIMECMP, Slot.VSTIMECMP),
    slot('hstatus', 'hypervisor', Slot.HSTATUS),
    num('hedeleg', 'hypervisor', 'hedeleg'),
    num('hideleg', 'hypervisor', 'hideleg'),
    num('hvip', 'hypervisor', 'hvip'),
    num('hcounteren', 'hypervisor', 'hcounteren'),
    slot('hgatp', 'hypervisor', Slot.HGATP),
    slot('htval', 'hypervisor', Slot.HTVAL),
    slot('htinst', 'hypervisor', Slot.HTINST),
    slot('htimedelta', 'hypervisor', Slot.HTIMEDELTA),
    slot('henvcfg', 'hypervisor', Slot.HENVCFG),
    slot('vsatp', 'hypervisor', Slot.VSATP),
    slot('vstimecmp', 'hypervisor', Slot.VSTIMECMP),
    // The host's own trap registers: what the last VM exit left in them.
    slot('hs.sepc', 'hypervisor', Slot.SEPC, true),
    slot('hs.scause', 'hypervisor', Slot.SCAUSE),
    slot('hs.stval', 'hypervisor', Slot.STVAL, true),
  );
  return out;
}

/** Every register, in display order. */
export const REGISTERS: readonly RegisterDef[] = buildRegisters();

const BY_NAME = new Map<string, RegisterDef>();
for (const r of REGISTERS) BY_NAME.set(r.name, r);
BY_NAME.set('fp', BY_NAME.get('s0')!);
for (let i = 1; i < 32; i++) BY_NAME.set(`x${i}`, BY_NAME.get(ABI_NAMES[i])!);
BY_NAME.set('x0', { name: 'zero', group: 'general', get: () => 0n });
BY_NAME.set('zero', BY_NAME.get('x0')!);

/** A register by name (ABI name, xN, fp, or CSR name); undefined when unknown. */
export function registerByName(name: string): RegisterDef | undefined {
  return BY_NAME.get(name.startsWith('$') ? name.slice(1) : name);
}

/** Reads a register of a hart; undefined when the name is unknown. */
export function readRegister(h: Hart, name: string): bigint | undefined {
  return registerByName(name)?.get(h);
}

/** Writes a register; throws an Error with a one-line message when unknown or read-only. */
export function writeRegister(h: Hart, name: string, value: bigint): void {
  const r = registerByName(name);
  if (!r) throw new Error(`unknown register '${name}'`);
  if (!r.set) throw new Error(`register '${r.name}' is read-only`);
  r.set(h, value & U64);
}

/**
 * Name of a privilege level with V, e.g. "VS", "VU", "HS", "M". A trap-and-emulate guest's
 * privilege is its virtual one (its kernel VS, its programs VU), though the hart runs both in U.
 */
export function privilegeName(h: Hart): string {
  const guest = guestCpuView(h)?.priv();
  if (guest !== undefined) return guest === Priv.S ? 'VS' : 'VU';
  const p = h.priv === Priv.M ? 'M' : h.priv === Priv.S ? 'S' : 'U';
  return p === 'M' ? 'M' : h.virt ? 'V' + p : p === 'S' ? 'HS' : 'U';
}
