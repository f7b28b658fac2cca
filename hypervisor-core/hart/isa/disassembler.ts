/**
 * Disassembler: one instruction -> text in GNU objdump syntax (binutils 2.40,
 * `riscv64-unknown-elf-objdump -d`, default options): mnemonic, a TAB, operands
 * separated by ',', ABI register names, objdump's choice of pseudo-instruction
 * (li, mv, ret, j, csrr, frflags, fmv.d...), CSR names, branch targets as absolute
 * hex addresses followed by ` <symbol+0xoff>`. Unknown encodings print as
 * `.4byte 0x...` / `.2byte 0x...` as objdump does.
 *
 * Built on the instruction table (via decode) and the RVC expander; compressed
 * instructions print as objdump shows them (base mnemonics, hints as `c.xxx`).
 * Not reproduced: the `# addr <sym>` comments objdump appends after an
 * auipc/lui-based address computation, which need the preceding instructions.
 * Not a hot path: allocation is fine here.
 */
import { Op } from './opcodes';
import { Fmt, INSN_BY_OP } from './table';
import { decode } from './decoder';
import { expandCompressed } from './rvc';
import { csrName, PrivSpec } from './csr-names';

/** ABI names of the integer registers x0..x31. */
export const GPR_NAMES: readonly string[] = [
  'zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2', 's0', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5',
  'a6', 'a7', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6',
];
/** ABI names of the FP registers f0..f31. */
export const FPR_NAMES: readonly string[] = [
  'ft0', 'ft1', 'ft2', 'ft3', 'ft4', 'ft5', 'ft6', 'ft7', 'fs0', 'fs1', 'fa0', 'fa1', 'fa2', 'fa3', 'fa4', 'fa5',
  'fa6', 'fa7', 'fs2', 'fs3', 'fs4', 'fs5', 'fs6', 'fs7', 'fs8', 'fs9', 'fs10', 'fs11', 'ft8', 'ft9', 'ft10', 'ft11',
];
const RM_NAMES = ['rne', 'rtz', 'rdn', 'rup', 'rmm', 'unknown', 'unknown', 'dyn'];
const FENCE_SET = ['unknown', 'w', 'r', 'rw', 'o', 'ow', 'or', 'orw', 'i', 'iw', 'ir', 'irw', 'io', 'iow', 'ior', 'iorw'];
const MASK64 = (1n << 64n) - 1n;

/** Text of one instruction and its length in bytes. */
export interface Disassembly {
  text: string;
  length: 2 | 4;
}

/** Options of `disassemble`. */
export interface DisassembleOptions {
  /** Privileged spec whose CSR names are printed (objdump's -M priv-spec); default '1.12'. */
  privSpec?: PrivSpec;
}

/**
 * Symbolizer for branch/jump targets: returns the text objdump puts between the
 * angle brackets (e.g. "main" or "main+0x4"), or undefined to print the address alone.
 */
export type Symbolize = (addr: bigint) => string | undefined;

/**
 * Disassemble the instruction `raw` at `pc`. `raw` is the halfword when its low two
 * bits are not 0b11 (a compressed instruction; higher bits are ignored), else the
 * 32-bit word (int32 or uint32).
 */
export function disassemble(raw: number, pc: bigint, symbolize?: Symbolize, options?: DisassembleOptions): Disassembly {
  const ctx: Ctx = { pc, symbolize, spec: options?.privSpec ?? '1.12' };
  if ((raw & 3) !== 3) return { text: compressed(raw & 0xffff, ctx), length: 2 };
  return { text: word(raw | 0, ctx), length: 4 };
}

interface Ctx {
  pc: bigint;
  symbolize: Symbolize | undefined;
  spec: PrivSpec;
}

const x = (r: number) => GPR_NAMES[r];
const f = (r: number) => FPR_NAMES[r];
const hex = (v: number) => `0x${(v >>> 0).toString(16)}`;

function target(ctx: Ctx, offset: number): string {
  const addr = (ctx.pc + BigInt(offset)) & MASK64;
  const sym = ctx.symbolize?.(addr);
  return sym === undefined ? addr.toString(16) : `${addr.toString(16)} <${sym}>`;
}

function rmSuffix(rm: number): string {
  return rm === 7 ? '' : `,${RM_NAMES[rm]}`;
}

/** A 16-bit instruction: hints and objdump's compressed-only spellings, else the expansion. */
function compressed(h: number, ctx: Ctx): string {
  if (h === 0) return 'unimp';
  const w = expandCompressed(h);
  // c.addi16sp with imm 0 is reserved, but objdump matches it anyway.
  if (w === 0) return h === 0x6101 ? 'add\tsp,sp,0' : `.2byte\t${hex(h)}`;
  const rdF = (h >>> 7) & 31;
  const rs2F = (h >>> 2) & 31;
  const imm6 = ((h << 19) >> 26 & ~31) | rs2F;
  switch (((h & 3) << 3) | (h >>> 13)) {
    case 8: // c.addi
      if (rdF === 0) return imm6 === 0 ? 'nop' : `c.nop\t${imm6}`;
      return `add\t${x(rdF)},${x(rdF)},${imm6}`;
    case 10: // c.li
      if (rdF === 0) return `c.li\tzero,${imm6}`;
      break;
    case 11: // c.lui
      if (rdF === 0) return `c.lui\tzero,${hex((imm6 << 12) >>> 12)}`;
      break;
    case 12: // c.srli / c.srai with shamt 0
      if (((h >>> 11) & 1) === 0 && (imm6 & 63) === 0) {
        return `${(h & 0x400) === 0 ? 'c.srli64' : 'c.srai64'}\t${x(((h >>> 7) & 7) + 8)}`;
      }
      break;
    case 16: // c.slli
      if ((imm6 & 63) === 0) return `c.slli64\t${x(rdF)}`;
      if (rdF === 0) return `c.slli\tzero,${hex(imm6 & 63)}`;
      break;
    case 20:
      if (rs2F !== 0) {
        if ((h & 0x1000) === 0) return rdF === 0 ? `c.mv\tzero,${x(rs2F)}` : `mv\t${x(rdF)},${x(rs2F)}`;
        if (rdF === 0) return `c.add\tzero,${x(rs2F)}`;
      }
      break;
  }
  return word(w, ctx);
}

/** A 32-bit instruction. */
function word(w: number, ctx: Ctx): string {
  const op = decode(w);
  const unknown = `.4byte\t${hex(w)}`;
  if (op === Op.ILLEGAL) return unknown;
  const info = INSN_BY_OP[op];
  const name = info.name;
  const rd = (w >>> 7) & 31;
  const rs1 = (w >>> 15) & 31;
  const rs2 = (w >>> 20) & 31;
  const rm = (w >>> 12) & 7;
  const immI = w >> 20;
  switch (info.fmt) {
    case Fmt.NONE:
      if (op === Op.FENCE_I && w !== 0x100f) return unknown;
      return name;
    case Fmt.U:
      return `${name}\t${x(rd)},${hex(w >>> 12)}`;
    case Fmt.JAL: {
      const t = target(ctx, ((w >> 31) << 20) | (w & 0xff000) | (((w >>> 20) & 1) << 11) | (((w >>> 21) & 0x3ff) << 1));
      return rd === 0 ? `j\t${t}` : rd === 1 ? `jal\t${t}` : `jal\t${x(rd)},${t}`;
    }
    case Fmt.JALR: {
      const mem = immI === 0 ? x(rs1) : `${immI}(${x(rs1)})`;
      if (rd === 0) return rs1 === 1 && immI === 0 ? 'ret' : `jr\t${mem}`;
      if (rd === 1) return `jalr\t${mem}`;
      return `jalr\t${x(rd)},${mem}`;
    }
    case Fmt.BRANCH: {
      const t = target(ctx, ((w >> 31) << 12) | (((w >>> 7) & 1) << 11) | (((w >>> 25) & 0x3f) << 5) | (((w >>> 8) & 0xf) << 1));
      switch (op) {
        case Op.BEQ: if (rs2 === 0) return `beqz\t${x(rs1)},${t}`; break;
        case Op.BNE: if (rs2 === 0) return `bnez\t${x(rs1)},${t}`; break;
        case Op.BLT:
          if (rs2 === 0) return `bltz\t${x(rs1)},${t}`;
          if (rs1 === 0) return `bgtz\t${x(rs2)},${t}`;
          break;
        case Op.BGE:
          if (rs1 === 0) return `blez\t${x(rs2)},${t}`;
          if (rs2 === 0) return `bgez\t${x(rs1)},${t}`;
          break;
      }
      return `${name}\t${x(rs1)},${x(rs2)},${t}`;
    }
    case Fmt.LOAD:
      return `${name}\t${x(rd)},${immI}(${x(rs1)})`;
    case Fmt.STORE:
      return `${name}\t${x(rs2)},${((w >> 25) << 5) | rd}(${x(rs1)})`;
    case Fmt.FLOAD:
      return `${name}\t${f(rd)},${immI}(${x(rs1)})`;
    case Fmt.FSTORE:
      return `${name}\t${f(rs2)},${((w >> 25) << 5) | rd}(${x(rs1)})`;
    case Fmt.I:
      switch (op) {
        case Op.ADDI:
          if (rs1 === 0) return rd === 0 && immI === 0 ? 'nop' : `li\t${x(rd)},${immI}`;
          if (immI === 0) return `mv\t${x(rd)},${x(rs1)}`;
          return `add\t${x(rd)},${x(rs1)},${immI}`;
        case Op.SLTIU: if (immI === 1) return `seqz\t${x(rd)},${x(rs1)}`; break;
        case Op.XORI: return immI === -1 ? `not\t${x(rd)},${x(rs1)}` : `xor\t${x(rd)},${x(rs1)},${immI}`;
        case Op.ORI: return `or\t${x(rd)},${x(rs1)},${immI}`;
        case Op.ANDI: return immI === 255 ? `zext.b\t${x(rd)},${x(rs1)}` : `and\t${x(rd)},${x(rs1)},${immI}`;
        case Op.ADDIW: return immI === 0 ? `sext.w\t${x(rd)},${x(rs1)}` : `addw\t${x(rd)},${x(rs1)},${immI}`;
      }
      return `${name}\t${x(rd)},${x(rs1)},${immI}`;
    case Fmt.SHIFT: // objdump prints slli as "sll ...,0x..", slliw as "sllw"
      return `${name.replace('i', '')}\t${x(rd)},${x(rs1)},${hex((w >>> 20) & 0x3f)}`;
    case Fmt.R:
      switch (op) {
        case Op.SUB: if (rs1 === 0) return `neg\t${x(rd)},${x(rs2)}`; break;
        case Op.SUBW: if (rs1 === 0) return `negw\t${x(rd)},${x(rs2)}`; break;
        case Op.SLT:
          if (rs2 === 0) return `sltz\t${x(rd)},${x(rs1)}`;
          if (rs1 === 0) return `sgtz\t${x(rd)},${x(rs2)}`;
          break;
        case Op.SLTU: if (rs1 === 0) return `snez\t${x(rd)},${x(rs2)}`; break;
      }
      return `${name}\t${x(rd)},${x(rs1)},${x(rs2)}`;
    case Fmt.FENCE:
      return fence(w, rd, rs1) ?? unknown;
    case Fmt.CSR:
    case Fmt.CSRI:
      return csrText(op, w, rd, rs1, ctx.spec);
    case Fmt.AMO:
      return `${name}${aqrl(w)}\t${x(rd)},${x(rs2)},(${x(rs1)})`;
    case Fmt.LR:
      return `${name}${aqrl(w)}\t${x(rd)},(${x(rs1)})`;
    case Fmt.SFENCE:
      if (rs2 !== 0) return `${name}\t${x(rs1)},${x(rs2)}`;
      return rs1 === 0 ? name : `${name}\t${x(rs1)}`;
    case Fmt.HLV:
      return `${name}\t${x(rd)},(${x(rs1)})`;
    case Fmt.HSV:
      return `${name}\t${x(rs2)},(${x(rs1)})`;
    case Fmt.R4:
      return `${name}\t${f(rd)},${f(rs1)},${f(rs2)},${f(w >>> 27)}${rmSuffix(rm)}`;
    case Fmt.FR_RM:
      return `${name}\t${f(rd)},${f(rs1)},${f(rs2)}${rmSuffix(rm)}`;
    case Fmt.F1_RM:
      // fcvt.d.s is exact: objdump knows it only with rm = 0 and prints no rm.
      if (op === Op.FCVT_D_S) return rm === 0 ? `${name}\t${f(rd)},${f(rs1)}` : unknown;
      return `${name}\t${f(rd)},${f(rs1)}${rmSuffix(rm)}`;
    case Fmt.F2X_RM:
      return `${name}\t${x(rd)},${f(rs1)}${rmSuffix(rm)}`;
    case Fmt.X2F_RM:
      if (op === Op.FCVT_D_W || op === Op.FCVT_D_WU) return rm === 0 ? `${name}\t${f(rd)},${x(rs1)}` : unknown;
      return `${name}\t${f(rd)},${x(rs1)}${rmSuffix(rm)}`;
    case Fmt.FR:
      if (rs1 === rs2) {
        const suffix = name.slice(-2); // ".s" / ".d"
        switch (op) {
          case Op.FSGNJ_S: case Op.FSGNJ_D: return `fmv${suffix}\t${f(rd)},${f(rs1)}`;
          case Op.FSGNJN_S: case Op.FSGNJN_D: return `fneg${suffix}\t${f(rd)},${f(rs1)}`;
          case Op.FSGNJX_S: case Op.FSGNJX_D: return `fabs${suffix}\t${f(rd)},${f(rs1)}`;
        }
      }
      return `${name}\t${f(rd)},${f(rs1)},${f(rs2)}`;
    case Fmt.F2X:
      return `${name}\t${x(rd)},${f(rs1)}`;
    case Fmt.X2F:
      return `${name}\t${f(rd)},${x(rs1)}`;
    case Fmt.FCMP:
      return `${name}\t${x(rd)},${f(rs1)},${f(rs2)}`;
  }
}

function aqrl(w: number): string {
  return ['', '.rl', '.aq', '.aqrl'][(w >>> 25) & 3];
}

/** FENCE forms objdump knows: fm = 0 with rd = rs1 = 0, and fence.tso. */
function fence(w: number, rd: number, rs1: number): string | undefined {
  if (rd !== 0 || rs1 !== 0) return undefined;
  const fm = (w >>> 28) & 15;
  const pred = (w >>> 24) & 15;
  const succ = (w >>> 20) & 15;
  if (fm === 8 && pred === 3 && succ === 3) return 'fence.tso';
  if (fm !== 0) return undefined;
  if (pred === 15 && succ === 15) return 'fence';
  return `fence\t${FENCE_SET[pred]},${FENCE_SET[succ]}`;
}

/** Zicsr instructions with objdump's pseudo-instructions. */
function csrText(op: Op, w: number, rd: number, rs1: number, spec: PrivSpec): string {
  const num = (w >>> 20) & 0xfff;
  const c = csrName(num, spec);
  const fp = num >= 1 && num <= 3 ? ['', 'flags', 'rm', 'csr'][num] : undefined;
  switch (op) {
    case Op.CSRRW:
      if (num === 0xc00 && rd === 0 && rs1 === 0) return 'unimp';
      if (fp !== undefined) return rd === 0 ? `fs${fp}\t${x(rs1)}` : `fs${fp}\t${x(rd)},${x(rs1)}`;
      return rd === 0 ? `csrw\t${c},${x(rs1)}` : `csrrw\t${x(rd)},${c},${x(rs1)}`;
    case Op.CSRRS:
      if (rs1 === 0) {
        if (fp !== undefined) return `fr${fp}\t${x(rd)}`;
        if (num >= 0xc00 && num <= 0xc02) return `rd${c}\t${x(rd)}`;
        return `csrr\t${x(rd)},${c}`;
      }
      return rd === 0 ? `csrs\t${c},${x(rs1)}` : `csrrs\t${x(rd)},${c},${x(rs1)}`;
    case Op.CSRRC:
      return rd === 0 ? `csrc\t${c},${x(rs1)}` : `csrrc\t${x(rd)},${c},${x(rs1)}`;
    case Op.CSRRWI:
      if (num === 1 || num === 2) return `fs${fp}i\t${x(rd)},${rs1}`;
      return rd === 0 ? `csrw\t${c},${rs1}` : `csrrw\t${x(rd)},${c},${rs1}`;
    case Op.CSRRSI:
      return rd === 0 ? `csrs\t${c},${rs1}` : `csrrs\t${x(rd)},${c},${rs1}`;
    default: // CSRRCI
      return rd === 0 ? `csrc\t${c},${rs1}` : `csrrc\t${x(rd)},${c},${rs1}`;
  }
}
