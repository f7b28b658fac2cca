/**
 * The instruction table: the only place where RV64 instruction encodings are written.
 *
 * One row per `Op`: mnemonic, mask, match (an instruction word `w` is the row's
 * instruction when `(w & mask) === match`), operand format and extension. The
 * decoder (decoder.ts), the disassembler (disassembler.ts) and the tests are all
 * derived from it. Encodings follow the RISC-V Unprivileged ISA (ch. "RV32/64G
 * Instruction Set Listings") and the Privileged ISA (ch. "Hypervisor Extension",
 * "Supervisor Instructions"). aq/rl bits of the A extension and the rm field of FP
 * instructions are left out of the masks: they are operands, checked at execution.
 */
import { Op } from './opcodes';

/** How the operands of an instruction are laid out (and printed). */
export const enum Fmt {
  /** no operands: ecall, mret, fence.i... */
  NONE,
  /** rd, rs1, rs2 */
  R,
  /** rd, rs1, imm[11:0] */
  I,
  /** rd, rs1, shamt */
  SHIFT,
  /** rd, imm(rs1) */
  LOAD,
  /** rs2, imm(rs1) */
  STORE,
  /** rs1, rs2, pc-relative target */
  BRANCH,
  /** rd, imm[31:12] */
  U,
  /** rd, pc-relative target */
  JAL,
  /** rd, imm(rs1) */
  JALR,
  /** pred, succ (and fm) */
  FENCE,
  /** rd, csr, rs1 */
  CSR,
  /** rd, csr, uimm[4:0] (in the rs1 field) */
  CSRI,
  /** rd, rs2, (rs1) with aq/rl */
  AMO,
  /** rd, (rs1) with aq/rl */
  LR,
  /** rs1 (vaddr / gaddr), rs2 (asid / vmid) */
  SFENCE,
  /** rd, (rs1) */
  HLV,
  /** rs2, (rs1) */
  HSV,
  /** frd, imm(rs1) */
  FLOAD,
  /** frs2, imm(rs1) */
  FSTORE,
  /** frd, frs1, frs2, frs3, rm */
  R4,
  /** frd, frs1, frs2 */
  FR,
  /** frd, frs1, frs2, rm */
  FR_RM,
  /** frd, frs1, rm */
  F1_RM,
  /** rd, frs1, rm */
  F2X_RM,
  /** frd, rs1, rm */
  X2F_RM,
  /** rd, frs1 */
  F2X,
  /** frd, rs1 */
  X2F,
  /** rd, frs1, frs2 */
  FCMP,
}

/** The extension that defines an instruction. */
export type Ext = 'I' | 'M' | 'A' | 'F' | 'D' | 'Zicsr' | 'Zifencei' | 'Priv' | 'H';

/** One row of the table. */
export interface InsnInfo {
  readonly op: Op;
  /** lower-case mnemonic as in the ISA manual, e.g. "amoadd.w" */
  readonly name: string;
  /** bits that identify the instruction (int32) */
  readonly mask: number;
  /** value of those bits (int32) */
  readonly match: number;
  readonly fmt: Fmt;
  readonly ext: Ext;
}

// Field masks, as int32.
const OPC = 0x7f;
const F3 = 0x7000;
const F7 = 0xfe000000 | 0;
const RD = 0xf80;
const RS1 = 0xf8000;
const RS2 = 0x1f00000;
const OPC_F3 = OPC | F3;
const R_TYPE = OPC_F3 | F7;
const SHIFT64 = (OPC_F3 | 0xfc000000) | 0;

const opc = (o: number) => o;
const of3 = (o: number, f3: number) => o | (f3 << 12);
const rtype = (o: number, f3: number, f7: number) => (o | (f3 << 12) | (f7 << 25)) | 0;

const AMO_MASK = (OPC_F3 | 0xf8000000) | 0;
const amo = (f5: number, f3: number) => (0x2f | (f3 << 12) | (f5 << 27)) | 0;

/** FP op (OP-FP, opcode 0x53): funct7 and optionally rs2 / funct3 fixed. */
const fp = (f7: number, rs2 = 0, f3 = 0) => (0x53 | (f3 << 12) | (rs2 << 20) | (f7 << 25)) | 0;
const FP_RM = (OPC | F7) | 0; // rm free
const FP_RM_RS2 = (OPC | F7 | RS2) | 0; // rm free, rs2 fixed
const FP_F3 = R_TYPE; // funct3 fixed
const FP_F3_RS2 = (R_TYPE | RS2) | 0; // funct3 and rs2 fixed
const R4_MASK = (OPC | 0x06000000) | 0;
const r4 = (o: number, fmt: number) => o | (fmt << 25);

function row(op: Op, name: string, mask: number, match: number, fmt: Fmt, ext: Ext): InsnInfo {
  return { op, name, mask: mask | 0, match: match | 0, fmt, ext };
}

/** Every instruction, in `Op` order (TABLE[i].op === i + 1). */
export const TABLE: readonly InsnInfo[] = [
  row(Op.LUI, 'lui', OPC, opc(0x37), Fmt.U, 'I'),
  row(Op.AUIPC, 'auipc', OPC, opc(0x17), Fmt.U, 'I'),
  row(Op.JAL, 'jal', OPC, opc(0x6f), Fmt.JAL, 'I'),
  row(Op.JALR, 'jalr', OPC_F3, of3(0x67, 0), Fmt.JALR, 'I'),
  row(Op.BEQ, 'beq', OPC_F3, of3(0x63, 0), Fmt.BRANCH, 'I'),
  row(Op.BNE, 'bne', OPC_F3, of3(0x63, 1), Fmt.BRANCH, 'I'),
  row(Op.BLT, 'blt', OPC_F3, of3(0x63, 4), Fmt.BRANCH, 'I'),
  row(Op.BGE, 'bge', OPC_F3, of3(0x63, 5), Fmt.BRANCH, 'I'),
  row(Op.BLTU, 'bltu', OPC_F3, of3(0x63, 6), Fmt.BRANCH, 'I'),
  row(Op.BGEU, 'bgeu', OPC_F3, of3(0x63, 7), Fmt.BRANCH, 'I'),
  row(Op.LB, 'lb', OPC_F3, of3(0x03, 0), Fmt.LOAD, 'I'),
  row(Op.LH, 'lh', OPC_F3, of3(0x03, 1), Fmt.LOAD, 'I'),
  row(Op.LW, 'lw', OPC_F3, of3(0x03, 2), Fmt.LOAD, 'I'),
  row(Op.LD, 'ld', OPC_F3, of3(0x03, 3), Fmt.LOAD, 'I'),
  row(Op.LBU, 'lbu', OPC_F3, of3(0x03, 4), Fmt.LOAD, 'I'),
  row(Op.LHU, 'lhu', OPC_F3, of3(0x03, 5), Fmt.LOAD, 'I'),
  row(Op.LWU, 'lwu', OPC_F3, of3(0x03, 6), Fmt.LOAD, 'I'),
  row(Op.SB, 'sb', OPC_F3, of3(0x23, 0), Fmt.STORE, 'I'),
  row(Op.SH, 'sh', OPC_F3, of3(0x23, 1), Fmt.STORE, 'I'),
  row(Op.SW, 'sw', OPC_F3, of3(0x23, 2), Fmt.STORE, 'I'),
  row(Op.SD, 'sd', OPC_F3, of3(0x23, 3), Fmt.STORE, 'I'),
  row(Op.ADDI, 'addi', OPC_F3, of3(0x13, 0), Fmt.I, 'I'),
  row(Op.SLTI, 'slti', OPC_F3, of3(0x13, 2), Fmt.I, 'I'),
  row(Op.SLTIU, 'sltiu', OPC_F3, of3(0x13, 3), Fmt.I, 'I'),
  row(Op.XORI, 'xori', OPC_F3, of3(0x13, 4), Fmt.I, 'I'),
  row(Op.ORI, 'ori', OPC_F3, of3(0x13, 6), Fmt.I, 'I'),
  row(Op.ANDI, 'andi', OPC_F3, of3(0x13, 7), Fmt.I, 'I'),
  row(Op.SLLI, 'slli', SHIFT64, rtype(0x13, 1, 0x00), Fmt.SHIFT, 'I'),
  row(Op.SRLI, 'srli', SHIFT64, rtype(0x13, 5, 0x00), Fmt.SHIFT, 'I'),
  row(Op.SRAI, 'srai', SHIFT64, rtype(0x13, 5, 0x20), Fmt.SHIFT, 'I'),
  row(Op.ADD, 'add', R_TYPE, rtype(0x33, 0, 0x00), Fmt.R, 'I'),
  row(Op.SUB, 'sub', R_TYPE, rtype(0x33, 0, 0x20), Fmt.R, 'I'),
  row(Op.SLL, 'sll', R_TYPE, rtype(0x33, 1, 0x00), Fmt.R, 'I'),
  row(Op.SLT, 'slt', R_TYPE, rtype(0x33, 2, 0x00), Fmt.R, 'I'),
  row(Op.SLTU, 'sltu', R_TYPE, rtype(0x33, 3, 0x00), Fmt.R, 'I'),
  row(Op.XOR, 'xor', R_TYPE, rtype(0x33, 4, 0x00), Fmt.R, 'I'),
  row(Op.SRL, 'srl', R_TYPE, rtype(0x33, 5, 0x00), Fmt.R, 'I'),
  row(Op.SRA, 'sra', R_TYPE, rtype(0x33, 5, 0x20), Fmt.R, 'I'),
  row(Op.OR, 'or', R_TYPE, rtype(0x33, 6, 0x00), Fmt.R, 'I'),
  row(Op.AND, 'and', R_TYPE, rtype(0x33, 7, 0x00), Fmt.R, 'I'),
  row(Op.ADDIW, 'addiw', OPC_F3, of3(0x1b, 0), Fmt.I, 'I'),
  row(Op.SLLIW, 'slliw', R_TYPE, rtype(0x1b, 1, 0x00), Fmt.SHIFT, 'I'),
  row(Op.SRLIW, 'srliw', R_TYPE, rtype(0x1b, 5, 0x00), Fmt.SHIFT, 'I'),
  row(Op.SRAIW, 'sraiw', R_TYPE, rtype(0x1b, 5, 0x20), Fmt.SHIFT, 'I'),
  row(Op.ADDW, 'addw', R_TYPE, rtype(0x3b, 0, 0x00), Fmt.R, 'I'),
  row(Op.SUBW, 'subw', R_TYPE, rtype(0x3b, 0, 0x20), Fmt.R, 'I'),
  row(Op.SLLW, 'sllw', R_TYPE, rtype(0x3b, 1, 0x00), Fmt.R, 'I'),
  row(Op.SRLW, 'srlw', R_TYPE, rtype(0x3b, 5, 0x00), Fmt.R, 'I'),
  row(Op.SRAW, 'sraw', R_TYPE, rtype(0x3b, 5, 0x20), Fmt.R, 'I'),
  // FENCE: fm, pred, succ, rs1 and rd are operands or reserved-and-ignored.
  row(Op.FENCE, 'fence', OPC_F3, of3(0x0f, 0), Fmt.FENCE, 'I'),
  row(Op.ECALL, 'ecall', -1, 0x00000073, Fmt.NONE, 'I'),
  row(Op.EBREAK, 'ebreak', -1, 0x00100073, Fmt.NONE, 'I'),
  // FENCE.I: imm, rs1 and rd are reserved and must be ignored (Zifencei chapter).
  row(Op.FENCE_I, 'fence.i', OPC_F3, of3(0x0f, 1), Fmt.NONE, 'Zifencei'),
  row(Op.CSRRW, 'csrrw', OPC_F3, of3(0x73, 1), Fmt.CSR, 'Zicsr'),
  row(Op.CSRRS, 'csrrs', OPC_F3, of3(0x73, 2), Fmt.CSR, 'Zicsr'),
  row(Op.CSRRC, 'csrrc', OPC_F3, of3(0x73, 3), Fmt.CSR, 'Zicsr'),
  row(Op.CSRRWI, 'csrrwi', OPC_F3, of3(0x73, 5), Fmt.CSRI, 'Zicsr'),
  row(Op.CSRRSI, 'csrrsi', OPC_F3, of3(0x73, 6), Fmt.CSRI, 'Zicsr'),
  row(Op.CSRRCI, 'csrrci', OPC_F3, of3(0x73, 7), Fmt.CSRI, 'Zicsr'),
  row(Op.MUL, 'mul', R_TYPE, rtype(0x33, 0, 0x01), Fmt.R, 'M'),
  row(Op.MULH, 'mulh', R_TYPE, rtype(0x33, 1, 0x01), Fmt.R, 'M'),
  row(Op.MULHSU, 'mulhsu', R_TYPE, rtype(0x33, 2, 0x01), Fmt.R, 'M'),
  row(Op.MULHU, 'mulhu', R_TYPE, rtype(0x33, 3, 0x01), Fmt.R, 'M'),
  row(Op.DIV, 'div', R_TYPE, rtype(0x33, 4, 0x01), Fmt.R, 'M'),
  row(Op.DIVU, 'divu', R_TYPE, rtype(0x33, 5, 0x01), Fmt.R, 'M'),
  row(Op.REM, 'rem', R_TYPE, rtype(0x33, 6, 0x01), Fmt.R, 'M'),
  row(Op.REMU, 'remu', R_TYPE, rtype(0x33, 7, 0x01), Fmt.R, 'M'),
  row(Op.MULW, 'mulw', R_TYPE, rtype(0x3b, 0, 0x01), Fmt.R, 'M'),
  row(Op.DIVW, 'divw', R_TYPE, rtype(0x3b, 4, 0x01), Fmt.R, 'M'),
  row(Op.DIVUW, 'divuw', R_TYPE, rtype(0x3b, 5, 0x01), Fmt.R, 'M'),
  row(Op.REMW, 'remw', R_TYPE, rtype(0x3b, 6, 0x01), Fmt.R, 'M'),
  row(Op.REMUW, 'remuw', R_TYPE, rtype(0x3b, 7, 0x01), Fmt.R, 'M'),
  row(Op.LR_W, 'lr.w', AMO_MASK | RS2, amo(0x02, 2), Fmt.LR, 'A'),
  row(Op.SC_W, 'sc.w', AMO_MASK, amo(0x03, 2), Fmt.AMO, 'A'),
  row(Op.AMOSWAP_W, 'amoswap.w', AMO_MASK, amo(0x01, 2), Fmt.AMO, 'A'),
  row(Op.AMOADD_W, 'amoadd.w', AMO_MASK, amo(0x00, 2), Fmt.AMO, 'A'),
  row(Op.AMOXOR_W, 'amoxor.w', AMO_MASK, amo(0x04, 2), Fmt.AMO, 'A'),
  row(Op.AMOAND_W, 'amoand.w', AMO_MASK, amo(0x0c, 2), Fmt.AMO, 'A'),
  row(Op.AMOOR_W, 'amoor.w', AMO_MASK, amo(0x08, 2), Fmt.AMO, 'A'),
  row(Op.AMOMIN_W, 'amomin.w', AMO_MASK, amo(0x10, 2), Fmt.AMO, 'A'),
  row(Op.AMOMAX_W, 'amomax.w', AMO_MASK, amo(0x14, 2), Fmt.AMO, 'A'),
  row(Op.AMOMINU_W, 'amominu.w', AMO_MASK, amo(0x18, 2), Fmt.AMO, 'A'),
  row(Op.AMOMAXU_W, 'amomaxu.w', AMO_MASK, amo(0x1c, 2), Fmt.AMO, 'A'),
  row(Op.LR_D, 'lr.d', AMO_MASK | RS2, amo(0x02, 3), Fmt.LR, 'A'),
  row(Op.SC_D, 'sc.d', AMO_MASK, amo(0x03, 3), Fmt.AMO, 'A'),
  row(Op.AMOSWAP_D, 'amoswap.d', AMO_MASK, amo(0x01, 3), Fmt.AMO, 'A'),
  row(Op.AMOADD_D, 'amoadd.d', AMO_MASK, amo(0x00, 3), Fmt.AMO, 'A'),
  row(Op.AMOXOR_D, 'amoxor.d', AMO_MASK, amo(0x04, 3), Fmt.AMO, 'A'),
  row(Op.AMOAND_D, 'amoand.d', AMO_MASK, amo(0x0c, 3), Fmt.AMO, 'A'),
  row(Op.AMOOR_D, 'amoor.d', AMO_MASK, amo(0x08, 3), Fmt.AMO, 'A'),
  row(Op.AMOMIN_D, 'amomin.d', AMO_MASK, amo(0x10, 3), Fmt.AMO, 'A'),
  row(Op.AMOMAX_D, 'amomax.d', AMO_MASK, amo(0x14, 3), Fmt.AMO, 'A'),
  row(Op.AMOMINU_D, 'amominu.d', AMO_MASK, amo(0x18, 3), Fmt.AMO, 'A'),
  row(Op.AMOMAXU_D, 'amomaxu.d', AMO_MASK, amo(0x1c, 3), Fmt.AMO, 'A'),
  row(Op.MRET, 'mret', -1, 0x30200073, Fmt.NONE, 'Priv'),
  row(Op.SRET, 'sret', -1, 0x10200073, Fmt.NONE, 'Priv'),
  row(Op.WFI, 'wfi', -1, 0x10500073, Fmt.NONE, 'Priv'),
  row(Op.SFENCE_VMA, 'sfence.vma', R_TYPE | RD, rtype(0x73, 0, 0x09), Fmt.SFENCE, 'Priv'),
  row(Op.HFENCE_VVMA, 'hfence.vvma', R_TYPE | RD, rtype(0x73, 0, 0x11), Fmt.SFENCE, 'H'),
  row(Op.HFENCE_GVMA, 'hfence.gvma', R_TYPE | RD, rtype(0x73, 0, 0x31), Fmt.SFENCE, 'H'),
  // HLV/HLVX: funct7 and the rs2 field select the access; HSV: funct7 with rd = 0.
  row(Op.HLV_B, 'hlv.b', R_TYPE | RS2, rtype(0x73, 4, 0x30), Fmt.HLV, 'H'),
  row(Op.HLV_BU, 'hlv.bu', R_TYPE | RS2, rtype(0x73, 4, 0x30) | (1 << 20), Fmt.HLV, 'H'),
  row(Op.HLV_H, 'hlv.h', R_TYPE | RS2, rtype(0x73, 4, 0x32), Fmt.HLV, 'H'),
  row(Op.HLV_HU, 'hlv.hu', R_TYPE | RS2, rtype(0x73, 4, 0x32) | (1 << 20), Fmt.HLV, 'H'),
  row(Op.HLVX_HU, 'hlvx.hu', R_TYPE | RS2, rtype(0x73, 4, 0x32) | (3 << 20), Fmt.HLV, 'H'),
  row(Op.HLV_W, 'hlv.w', R_TYPE | RS2, rtype(0x73, 4, 0x34), Fmt.HLV, 'H'),
  row(Op.HLV_WU, 'hlv.wu', R_TYPE | RS2, rtype(0x73, 4, 0x34) | (1 << 20), Fmt.HLV, 'H'),
  row(Op.HLVX_WU, 'hlvx.wu', R_TYPE | RS2, rtype(0x73, 4, 0x34) | (3 << 20), Fmt.HLV, 'H'),
  row(Op.HLV_D, 'hlv.d', R_TYPE | RS2, rtype(0x73, 4, 0x36), Fmt.HLV, 'H'),
  row(Op.HSV_B, 'hsv.b', R_TYPE | RD, rtype(0x73, 4, 0x31), Fmt.HSV, 'H'),
  row(Op.HSV_H, 'hsv.h', R_TYPE | RD, rtype(0x73, 4, 0x33), Fmt.HSV, 'H'),
  row(Op.HSV_W, 'hsv.w', R_TYPE | RD, rtype(0x73, 4, 0x35), Fmt.HSV, 'H'),
  row(Op.HSV_D, 'hsv.d', R_TYPE | RD, rtype(0x73, 4, 0x37), Fmt.HSV, 'H'),
  // F
  row(Op.FLW, 'flw', OPC_F3, of3(0x07, 2), Fmt.FLOAD, 'F'),
  row(Op.FSW, 'fsw', OPC_F3, of3(0x27, 2), Fmt.FSTORE, 'F'),
  row(Op.FMADD_S, 'fmadd.s', R4_MASK, r4(0x43, 0), Fmt.R4, 'F'),
  row(Op.FMSUB_S, 'fmsub.s', R4_MASK, r4(0x47, 0), Fmt.R4, 'F'),
  row(Op.FNMSUB_S, 'fnmsub.s', R4_MASK, r4(0x4b, 0), Fmt.R4, 'F'),
  row(Op.FNMADD_S, 'fnmadd.s', R4_MASK, r4(0x4f, 0), Fmt.R4, 'F'),
  row(Op.FADD_S, 'fadd.s', FP_RM, fp(0x00), Fmt.FR_RM, 'F'),
  row(Op.FSUB_S, 'fsub.s', FP_RM, fp(0x04), Fmt.FR_RM, 'F'),
  row(Op.FMUL_S, 'fmul.s', FP_RM, fp(0x08), Fmt.FR_RM, 'F'),
  row(Op.FDIV_S, 'fdiv.s', FP_RM, fp(0x0c), Fmt.FR_RM, 'F'),
  row(Op.FSQRT_S, 'fsqrt.s', FP_RM_RS2, fp(0x2c, 0), Fmt.F1_RM, 'F'),
  row(Op.FSGNJ_S, 'fsgnj.s', FP_F3, fp(0x10, 0, 0), Fmt.FR, 'F'),
  row(Op.FSGNJN_S, 'fsgnjn.s', FP_F3, fp(0x10, 0, 1), Fmt.FR, 'F'),
  row(Op.FSGNJX_S, 'fsgnjx.s', FP_F3, fp(0x10, 0, 2), Fmt.FR, 'F'),
  row(Op.FMIN_S, 'fmin.s', FP_F3, fp(0x14, 0, 0), Fmt.FR, 'F'),
  row(Op.FMAX_S, 'fmax.s', FP_F3, fp(0x14, 0, 1), Fmt.FR, 'F'),
  row(Op.FCVT_W_S, 'fcvt.w.s', FP_RM_RS2, fp(0x60, 0), Fmt.F2X_RM, 'F'),
  row(Op.FCVT_WU_S, 'fcvt.wu.s', FP_RM_RS2, fp(0x60, 1), Fmt.F2X_RM, 'F'),
  row(Op.FCVT_L_S, 'fcvt.l.s', FP_RM_RS2, fp(0x60, 2), Fmt.F2X_RM, 'F'),
  row(Op.FCVT_LU_S, 'fcvt.lu.s', FP_RM_RS2, fp(0x60, 3), Fmt.F2X_RM, 'F'),
  row(Op.FMV_X_W, 'fmv.x.w', FP_F3_RS2, fp(0x70, 0, 0), Fmt.F2X, 'F'),
  row(Op.FEQ_S, 'feq.s', FP_F3, fp(0x50, 0, 2), Fmt.FCMP, 'F'),
  row(Op.FLT_S, 'flt.s', FP_F3, fp(0x50, 0, 1), Fmt.FCMP, 'F'),
  row(Op.FLE_S, 'fle.s', FP_F3, fp(0x50, 0, 0), Fmt.FCMP, 'F'),
  row(Op.FCLASS_S, 'fclass.s', FP_F3_RS2, fp(0x70, 0, 1), Fmt.F2X, 'F'),
  row(Op.FCVT_S_W, 'fcvt.s.w', FP_RM_RS2, fp(0x68, 0), Fmt.X2F_RM, 'F'),
  row(Op.FCVT_S_WU, 'fcvt.s.wu', FP_RM_RS2, fp(0x68, 1), Fmt.X2F_RM, 'F'),
  row(Op.FCVT_S_L, 'fcvt.s.l', FP_RM_RS2, fp(0x68, 2), Fmt.X2F_RM, 'F'),
  row(Op.FCVT_S_LU, 'fcvt.s.lu', FP_RM_RS2, fp(0x68, 3), Fmt.X2F_RM, 'F'),
  row(Op.FMV_W_X, 'fmv.w.x', FP_F3_RS2, fp(0x78, 0, 0), Fmt.X2F, 'F'),
  // D
  row(Op.FLD, 'fld', OPC_F3, of3(0x07, 3), Fmt.FLOAD, 'D'),
  row(Op.FSD, 'fsd', OPC_F3, of3(0x27, 3), Fmt.FSTORE, 'D'),
  row(Op.FMADD_D, 'fmadd.d', R4_MASK, r4(0x43, 1), Fmt.R4, 'D'),
  row(Op.FMSUB_D, 'fmsub.d', R4_MASK, r4(0x47, 1), Fmt.R4, 'D'),
  row(Op.FNMSUB_D, 'fnmsub.d', R4_MASK, r4(0x4b, 1), Fmt.R4, 'D'),
  row(Op.FNMADD_D, 'fnmadd.d', R4_MASK, r4(0x4f, 1), Fmt.R4, 'D'),
  row(Op.FADD_D, 'fadd.d', FP_RM, fp(0x01), Fmt.FR_RM, 'D'),
  row(Op.FSUB_D, 'fsub.d', FP_RM, fp(0x05), Fmt.FR_RM, 'D'),
  row(Op.FMUL_D, 'fmul.d', FP_RM, fp(0x09), Fmt.FR_RM, 'D'),
  row(Op.FDIV_D, 'fdiv.d', FP_RM, fp(0x0d), Fmt.FR_RM, 'D'),
  row(Op.FSQRT_D, 'fsqrt.d', FP_RM_RS2, fp(0x2d, 0), Fmt.F1_RM, 'D'),
  row(Op.FSGNJ_D, 'fsgnj.d', FP_F3, fp(0x11, 0, 0), Fmt.FR, 'D'),
  row(Op.FSGNJN_D, 'fsgnjn.d', FP_F3, fp(0x11, 0, 1), Fmt.FR, 'D'),
  row(Op.FSGNJX_D, 'fsgnjx.d', FP_F3, fp(0x11, 0, 2), Fmt.FR, 'D'),
  row(Op.FMIN_D, 'fmin.d', FP_F3, fp(0x15, 0, 0), Fmt.FR, 'D'),
  row(Op.FMAX_D, 'fmax.d', FP_F3, fp(0x15, 0, 1), Fmt.FR, 'D'),
  row(Op.FCVT_S_D, 'fcvt.s.d', FP_RM_RS2, fp(0x20, 1), Fmt.F1_RM, 'D'),
  row(Op.FCVT_D_S, 'fcvt.d.s', FP_RM_RS2, fp(0x21, 0), Fmt.F1_RM, 'D'),
  row(Op.FEQ_D, 'feq.d', FP_F3, fp(0x51, 0, 2), Fmt.FCMP, 'D'),
  row(Op.FLT_D, 'flt.d', FP_F3, fp(0x51, 0, 1), Fmt.FCMP, 'D'),
  row(Op.FLE_D, 'fle.d', FP_F3, fp(0x51, 0, 0), Fmt.FCMP, 'D'),
  row(Op.FCLASS_D, 'fclass.d', FP_F3_RS2, fp(0x71, 0, 1), Fmt.F2X, 'D'),
  row(Op.FCVT_W_D, 'fcvt.w.d', FP_RM_RS2, fp(0x61, 0), Fmt.F2X_RM, 'D'),
  row(Op.FCVT_WU_D, 'fcvt.wu.d', FP_RM_RS2, fp(0x61, 1), Fmt.F2X_RM, 'D'),
  row(Op.FCVT_L_D, 'fcvt.l.d', FP_RM_RS2, fp(0x61, 2), Fmt.F2X_RM, 'D'),
  row(Op.FCVT_LU_D, 'fcvt.lu.d', FP_RM_RS2, fp(0x61, 3), Fmt.F2X_RM, 'D'),
  row(Op.FMV_X_D, 'fmv.x.d', FP_F3_RS2, fp(0x71, 0, 0), Fmt.F2X, 'D'),
  row(Op.FCVT_D_W, 'fcvt.d.w', FP_RM_RS2, fp(0x69, 0), Fmt.X2F_RM, 'D'),
  row(Op.FCVT_D_WU, 'fcvt.d.wu', FP_RM_RS2, fp(0x69, 1), Fmt.X2F_RM, 'D'),
  row(Op.FCVT_D_L, 'fcvt.d.l', FP_RM_RS2, fp(0x69, 2), Fmt.X2F_RM, 'D'),
  row(Op.FCVT_D_LU, 'fcvt.d.lu', FP_RM_RS2, fp(0x69, 3), Fmt.X2F_RM, 'D'),
  row(Op.FMV_D_X, 'fmv.d.x', FP_F3_RS2, fp(0x79, 0, 0), Fmt.X2F, 'D'),
];

/** Table rows indexed by Op (index 0, ILLEGAL, is undefined). */
export const INSN_BY_OP: readonly InsnInfo[] = (() => {
  const byOp: InsnInfo[] = [];
  for (const r of TABLE) {
    if (byOp[r.op] !== undefined) throw new Error(`isa table: duplicate row for ${r.name}`);
    byOp[r.op] = r;
  }
  return byOp;
})();

/** Mnemonic of an Op ("illegal" for Op.ILLEGAL). */
export function opName(op: Op): string {
  return op === Op.ILLEGAL ? 'illegal' : INSN_BY_OP[op].name;
}
