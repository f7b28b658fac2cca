/**
 * The target description gdb reads with qXfer:features:read (gdb manual, "Target
 * Descriptions" and "RISC-V Features"), written from the feature spec: org.gnu.gdb.riscv.cpu
 * (x0..x31 by ABI name and pc), org.gnu.gdb.riscv.fpu (f0..f31 as a float/double union,
 * fflags, frm, fcsr), org.gnu.gdb.riscv.virtual (`priv`, as QEMU has it, and `virt`, this
 * stub's V bit: 1 while the vCPU runs in VS or VU), and org.gnu.gdb.riscv.csr (every CSR the
 * hart implements, H and VS CSRs included). Split in the same four annexes as QEMU's so gdb
 * reads it the same way.
 *
 * Register numbers, which every p/P packet uses: x0..x31 0..31, pc 32, f0..f31 33..64,
 * fflags 66, frm 67, fcsr 68 (gdb's numbering, 65 is unused), priv 69, virt 70, and CSR n
 * at CSR_REGNUM_BASE + n.
 */
import { ABI_NAMES } from '../hart/hart';
import { csrName } from '../hart/isa/csr-names';
import { FP_CSRS, implementedCsrs } from '../debug';

/** Register number of pc. */
export const PC_REGNUM = 32;
/** Register number of f0. */
export const FPR_REGNUM = 33;
/** Register numbers of fflags, frm, fcsr. */
export const FFLAGS_REGNUM = 66;
/** Register number of the privilege pseudo-register. */
export const PRIV_REGNUM = 69;
/** Register number of the V pseudo-register. */
export const VIRT_REGNUM = 70;
/** CSR n is register CSR_REGNUM_BASE + n. */
export const CSR_REGNUM_BASE = 128;

const FPR_NAMES = [
  'ft0', 'ft1', 'ft2', 'ft3', 'ft4', 'ft5', 'ft6', 'ft7', 'fs0', 'fs1', 'fa0', 'fa1', 'fa2', 'fa3', 'fa4', 'fa5',
  'fa6', 'fa7', 'fs2', 'fs3', 'fs4', 'fs5', 'fs6', 'fs7', 'fs8', 'fs9', 'fs10', 'fs11', 'ft8', 'ft9', 'ft10', 'ft11',
];

const HEAD = '<?xml version="1.0"?>\n<!DOCTYPE feature SYSTEM "gdb-target.dtd">\n';
const reg = (name: string, bits: number, regnum: number, type?: string, group?: string) =>
  `  <reg name="${name}" bitsize="${bits}" regnum="${regnum}"${type ? ` type="${type}"` : ''}${group ? ` group="${group}"` : ''}/>\n`;

function cpuXml(): string {
  let out = HEAD + '<feature name="org.gnu.gdb.riscv.cpu">\n';
  const types: Record<string, string> = { ra: 'code_ptr', sp: 'data_ptr', gp: 'data_ptr', tp: 'data_ptr', s0: 'data_ptr' };
  for (let i = 0; i < 32; i++) {
    const name = i === 8 ? 'fp' : ABI_NAMES[i];
    out += reg(name, 64, i, types[ABI_NAMES[i]] ?? 'int');
  }
  return out + reg('pc', 64, PC_REGNUM, 'code_ptr') + '</feature>\n';
}

function fpuXml(): string {
  let out = HEAD + '<feature name="org.gnu.gdb.riscv.fpu">\n' +
    '  <union id="riscv_double">\n    <field name="float" type="ieee_single"/>\n    <field name="double" type="ieee_double"/>\n  </union>\n';
  FPR_NAMES.forEach((n, i) => { out += reg(n, 64, FPR_REGNUM + i, 'riscv_double'); });
  ['fflags', 'frm', 'fcsr'].forEach((n, i) => { out += reg(n, 32, FFLAGS_REGNUM + i, 'int', 'float'); });
  return out + '</feature>\n';
}

function virtualXml(): string {
  return HEAD + '<feature name="org.gnu.gdb.riscv.virtual">\n' +
    reg('priv', 64, PRIV_REGNUM) + reg('virt', 64, VIRT_REGNUM) + '</feature>\n';
}

function csrXml(): string {
  let out = HEAD + '<feature name="org.gnu.gdb.riscv.csr">\n';
  for (const n of implementedCsrs()) {
    if ((FP_CSRS as readonly number[]).includes(n)) continue; // in the fpu feature
    out += reg(csrName(n), 64, CSR_REGNUM_BASE + n, 'int', 'csr');
  }
  return out + '</feature>\n';
}

function targetXml(): string {
  return '<?xml version="1.0"?>\n<!DOCTYPE target SYSTEM "gdb-target.dtd">\n<target>\n  <architecture>riscv:rv64</architecture>\n' +
    ['riscv-64bit-cpu.xml', 'riscv-64bit-fpu.xml', 'riscv-64bit-virtual.xml', 'riscv-csr.xml']
      .map((f) => `  <xi:include href="${f}"/>\n`).join('') + '</target>\n';
}

let annexes: Map<string, string> | undefined;

/** The annex gdb asks for by name (target.xml and the files it includes), or undefined. */
export function targetAnnex(name: string): string | undefined {
  annexes ??= new Map([
    ['target.xml', targetXml()], ['riscv-64bit-cpu.xml', cpuXml()], ['riscv-64bit-fpu.xml', fpuXml()],
    ['riscv-64bit-virtual.xml', virtualXml()], ['riscv-csr.xml', csrXml()],
  ]);
  return annexes.get(name);
}
