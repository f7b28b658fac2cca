/**
 * gdb register numbers (target-description.ts) to the debug facade's register accessors,
 * and the target-endian (little) hex gdb's g/G/p/P packets carry.
 */
import type { Hart } from '../hart/hart';
import { ABI_NAMES } from '../hart/hart';
import { readRegister, writeRegister } from '../debug';
import { readCsrValue, readFpr, readPriv, readVirt, writeCsrValue, writeFpr, writePriv, csrExists } from '../debug';
import { CSR_REGNUM_BASE, FFLAGS_REGNUM, FPR_REGNUM, PC_REGNUM, PRIV_REGNUM, VIRT_REGNUM } from './target-description';

/** Registers in a 'g' packet: x0..x31 and pc, as QEMU sends them. */
export const G_REGISTERS = 33;

/** Little-endian hex of a value of `bytes` bytes. */
export function leHex(v: bigint, bytes: number): string {
  let out = '';
  for (let i = 0; i < bytes; i++) out += Number((v >> BigInt(8 * i)) & 0xffn).toString(16).padStart(2, '0');
  return out;
}

/** The value of little-endian hex; undefined when not hex. */
export function parseLeHex(h: string): bigint | undefined {
  if (h.length === 0 || h.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(h)) return undefined;
  let v = 0n;
  for (let i = h.length - 2; i >= 0; i -= 2) v = (v << 8n) | BigInt(parseInt(h.slice(i, i + 2), 16));
  return v;
}

/** Size in bytes of register `n`, or undefined when there is no such register. */
export function registerSize(n: number): number | undefined {
  if (n >= 0 && n <= PC_REGNUM) return 8;
  if (n >= FPR_REGNUM && n < FPR_REGNUM + 32) return 8;
  if (n >= FFLAGS_REGNUM && n < FFLAGS_REGNUM + 3) return 4;
  if (n === PRIV_REGNUM || n === VIRT_REGNUM) return 8;
  if (n >= CSR_REGNUM_BASE && csrExists(n - CSR_REGNUM_BASE)) return 8;
  return undefined;
}

const gprName = (n: number): string => (n === PC_REGNUM ? 'pc' : n === 0 ? 'x0' : ABI_NAMES[n]);

/** Reads register `n` of a hart; undefined when there is no such register. */
export function readGdbRegister(h: Hart, n: number): bigint | undefined {
  if (n >= 0 && n <= PC_REGNUM) return readRegister(h, gprName(n));
  if (n >= FPR_REGNUM && n < FPR_REGNUM + 32) return readFpr(h, n - FPR_REGNUM);
  if (n >= FFLAGS_REGNUM && n < FFLAGS_REGNUM + 3) return readCsrValue(h, 1 + n - FFLAGS_REGNUM);
  if (n === PRIV_REGNUM) return readPriv(h);
  if (n === VIRT_REGNUM) return readVirt(h);
  if (n >= CSR_REGNUM_BASE) return readCsrValue(h, n - CSR_REGNUM_BASE);
  return undefined;
}

/** Writes register `n`; false when there is no such register or it cannot be written. */
export function writeGdbRegister(h: Hart, n: number, v: bigint): boolean {
  try {
    if (n === 0) return true; // x0 stays zero, as on hardware
    if (n > 0 && n <= PC_REGNUM) { writeRegister(h, gprName(n), v); return true; }
  } catch {
    return false;
  }
  if (n >= FPR_REGNUM && n < FPR_REGNUM + 32) { writeFpr(h, n - FPR_REGNUM, v); return true; }
  if (n >= FFLAGS_REGNUM && n < FFLAGS_REGNUM + 3) return writeCsrValue(h, 1 + n - FFLAGS_REGNUM, v);
  if (n === PRIV_REGNUM) return writePriv(h, v);
  if (n >= CSR_REGNUM_BASE) return writeCsrValue(h, n - CSR_REGNUM_BASE, v);
  return false;
}
