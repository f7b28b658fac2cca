/**
 * The rest of a vCPU's register file for debuggers that address registers by number, as
 * gdb's remote protocol does: the F/D registers and fcsr, every implemented CSR by its
 * address, and the privilege level with V. CSRs read as a debugger on the hart would see
 * them: while V=1 an S CSR number gives the VS register the guest is using (sstatus is
 * vsstatus), as QEMU's stub shows a guest's S CSRs; H, VS and M CSRs read directly. Under
 * shadow paging and trap-and-emulate the guest's S CSRs and privilege are what the hypervisor
 * keeps for it (guest-cpu.ts). No privilege check applies and nothing traps.
 */
import type { Hart } from '../hart/hart';
import { CSR_VALUE, implemented, readCsr, redirectCsr, writeCsr } from '../hart/csr-file';
import { Csr, Priv } from '../hart/csr-numbers';
import { guestCpuView } from './guest-cpu';

const U64 = (1n << 64n) - 1n;
const pair = (lo: number, hi: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);

/** The raw 64 bits of f`i` (a NaN-boxed single keeps its all-ones upper half). */
export function readFpr(h: Hart, i: number): bigint {
  return pair(h.fp.w[2 * i], h.fp.w[2 * i + 1]);
}

/** Writes the raw 64 bits of f`i`. */
export function writeFpr(h: Hart, i: number, v: bigint): void {
  h.fp.setD(i, Number(BigInt.asIntN(32, v & U64)), Number(BigInt.asIntN(32, (v & U64) >> 32n)));
}

/** True when CSR `n` (0..0xfff) exists on the hart. */
export function csrExists(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 0xfff && implemented(n);
}

/** Every implemented CSR address, ascending. */
export function implementedCsrs(): number[] {
  const out: number[] = [];
  for (let n = 0; n <= 0xfff; n++) if (implemented(n)) out.push(n);
  return out;
}

/** Reads CSR `n` as the debugger sees it (see the module comment); undefined when it does not exist. */
export function readCsrValue(h: Hart, n: number): bigint | undefined {
  if (!csrExists(n)) return undefined;
  const guest = guestCpuView(h)?.read(n);
  if (guest !== undefined) return guest;
  readCsr(h, redirectCsr(h, n));
  return pair(CSR_VALUE[0], CSR_VALUE[1]);
}

/** Writes CSR `n` with the CSR's own WARL rules; false when it does not exist or is read-only. */
export function writeCsrValue(h: Hart, n: number, v: bigint): boolean {
  if (!csrExists(n) || (n >>> 10) === 3) return false;
  const guest = guestCpuView(h)?.write(n, v & U64) ?? 'hart';
  if (guest !== 'hart') return guest;
  const w = v & U64;
  writeCsr(h, redirectCsr(h, n), Number(BigInt.asIntN(32, w)), Number(BigInt.asIntN(32, w >> 32n)));
  h.flushAllTlbs(); // satp, hgatp, mstatus.MXR/SUM and friends change what addresses mean
  return true;
}

/** The privilege level as gdb's `priv` register encodes it (0 U, 1 S, 3 M; with V=1, S and U are VS and VU). */
export function readPriv(h: Hart): bigint {
  return BigInt(guestCpuView(h)?.priv() ?? h.priv);
}

/** Sets the privilege level (0, 1 or 3; V unchanged); false for another value, and for a trap-and-emulate guest (the hypervisor's to track). */
export function writePriv(h: Hart, v: bigint): boolean {
  if (v !== 0n && v !== 1n && v !== 3n) return false;
  if (guestCpuView(h)?.priv() !== undefined) return false;
  h.priv = Number(v) as Priv;
  if (h.priv === Priv.M) h.virt = false; // M-mode has no virtualised form
  h.flushAllTlbs();
  return true;
}

/** The virtualisation mode V (1 while the vCPU runs guest code in VS or VU). */
export function readVirt(h: Hart): bigint {
  return h.virt ? 1n : 0n;
}

/** fcsr's CSR number, for callers that list the FP control registers apart. */
export const FP_CSRS = [Csr.FFLAGS, Csr.FRM, Csr.FCSR] as const;
