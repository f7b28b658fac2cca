/**
 * Instruction identifiers: one dense small integer per 32-bit RV64 instruction.
 *
 * `decode()` (decoder.ts) maps an instruction word to one of these; the executor
 * switches on it, so the values are contiguous from 0 and a `switch` compiles to a
 * jump table. Names are the upper-case mnemonic with '.' replaced by '_'.
 * Encodings live only in table.ts. Compressed instructions have no Op of their own:
 * they are expanded to their 32-bit equivalent first (`expandCompressed`).
 *
 * Covered: RV64I, M, A, F, D, Zicsr, Zifencei, the privileged instructions
 * (MRET, SRET, WFI, SFENCE.VMA) and the H extension (HFENCE.*, HLV/HLVX/HSV).
 *
 * Order guarantees the executor may use (checked by test/unit/hart/isa): CSRRW,
 * CSRRS, CSRRC, CSRRWI, CSRRSI, CSRRCI are consecutive in that order; HLV_B ..
 * HLV_D are consecutive by access size (B, BU, H, HU, HLVX_HU, W, WU, HLVX_WU, D).
 */
export const enum Op {
  ILLEGAL = 0,
  // RV64I
  LUI, AUIPC, JAL, JALR,
  BEQ, BNE, BLT, BGE, BLTU, BGEU,
  LB, LH, LW, LD, LBU, LHU, LWU,
  SB, SH, SW, SD,
  ADDI, SLTI, SLTIU, XORI, ORI, ANDI, SLLI, SRLI, SRAI,
  ADD, SUB, SLL, SLT, SLTU, XOR, SRL, SRA, OR, AND,
  ADDIW, SLLIW, SRLIW, SRAIW,
  ADDW, SUBW, SLLW, SRLW, SRAW,
  FENCE, ECALL, EBREAK,
  // Zifencei
  FENCE_I,
  // Zicsr
  CSRRW, CSRRS, CSRRC, CSRRWI, CSRRSI, CSRRCI,
  // M
  MUL, MULH, MULHSU, MULHU, DIV, DIVU, REM, REMU,
  MULW, DIVW, DIVUW, REMW, REMUW,
  // A
  LR_W, SC_W, AMOSWAP_W, AMOADD_W, AMOXOR_W, AMOAND_W, AMOOR_W,
  AMOMIN_W, AMOMAX_W, AMOMINU_W, AMOMAXU_W,
  LR_D, SC_D, AMOSWAP_D, AMOADD_D, AMOXOR_D, AMOAND_D, AMOOR_D,
  AMOMIN_D, AMOMAX_D, AMOMINU_D, AMOMAXU_D,
  // Privileged
  MRET, SRET, WFI, SFENCE_VMA,
  // H
  HFENCE_VVMA, HFENCE_GVMA,
  HLV_B, HLV_BU, HLV_H, HLV_HU, HLVX_HU, HLV_W, HLV_WU, HLVX_WU, HLV_D,
  HSV_B, HSV_H, HSV_W, HSV_D,
  // F
  FLW, FSW,
  FMADD_S, FMSUB_S, FNMSUB_S, FNMADD_S,
  FADD_S, FSUB_S, FMUL_S, FDIV_S, FSQRT_S,
  FSGNJ_S, FSGNJN_S, FSGNJX_S, FMIN_S, FMAX_S,
  FCVT_W_S, FCVT_WU_S, FCVT_L_S, FCVT_LU_S,
  FMV_X_W, FEQ_S, FLT_S, FLE_S, FCLASS_S,
  FCVT_S_W, FCVT_S_WU, FCVT_S_L, FCVT_S_LU, FMV_W_X,
  // D
  FLD, FSD,
  FMADD_D, FMSUB_D, FNMSUB_D, FNMADD_D,
  FADD_D, FSUB_D, FMUL_D, FDIV_D, FSQRT_D,
  FSGNJ_D, FSGNJN_D, FSGNJX_D, FMIN_D, FMAX_D,
  FCVT_S_D, FCVT_D_S,
  FEQ_D, FLT_D, FLE_D, FCLASS_D,
  FCVT_W_D, FCVT_WU_D, FCVT_L_D, FCVT_LU_D, FMV_X_D,
  FCVT_D_W, FCVT_D_WU, FCVT_D_L, FCVT_D_LU, FMV_D_X,
  /** Number of ids (not an instruction): size arrays indexed by Op with this. */
  COUNT,
}

/**
 * PAUSE (Zihintpause): FENCE with pred = W, succ = 0, rs1 = rd = x0. A spin-wait loop's hint
 * that the hart could stop retiring for a while (Linux's cpu_relax in its spinlock loops).
 */
export const PAUSE = 0x0100000f;
