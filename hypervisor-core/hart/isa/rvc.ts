/**
 * RV64C: expansion of a 16-bit compressed instruction to its 32-bit equivalent
 * (Unprivileged ISA, chapter "C" Standard Extension for Compressed Instructions,
 * "RVC Instruction Set Listings"), including the D loads/stores c.fld, c.fsd,
 * c.fldsp, c.fsdsp. RV64 meanings: c.addiw (not c.jal), c.ld/c.sd/c.ldsp/c.sdsp
 * (not c.flw/c.fsw).
 *
 * Reserved encodings expand to 0 (an illegal word): the all-zero halfword,
 * c.addi4spn with nzuimm 0, c.addiw/c.lwsp/c.ldsp with rd 0, c.lui/c.addi16sp with
 * imm 0, c.jr with rs1 0, the reserved arithmetic slots, and quadrant 0 funct3 4.
 * HINT encodings (rd = x0, shift by 0, c.nop with imm) expand to their base
 * instruction, which has no architectural effect, as the spec allows.
 *
 * The expansion of each halfword is kept in a 64 Ki-entry table the first time it is asked
 * for, so `expandCompressed` is then a single array read.
 *
 * Quadrant map (bits [1:0] / funct3 [15:13]):
 *   Q0: addi4spn fld lw ld - fsd sw sd
 *   Q1: addi addiw li lui/addi16sp misc-alu j beqz bnez
 *   Q2: slli fldsp lwsp ldsp jr/mv/ebreak/jalr/add fsdsp swsp sdsp
 */

const encR = (opc: number, rd: number, f3: number, rs1: number, rs2: number, f7: number) =>
  (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | opc;
const encI = (opc: number, rd: number, f3: number, rs1: number, imm: number) =>
  (imm << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | opc;
const encS = (opc: number, f3: number, rs1: number, rs2: number, imm: number) =>
  ((imm >> 5) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 31) << 7) | opc;
const encB = (f3: number, rs1: number, rs2: number, imm: number) =>
  (((imm >> 12) & 1) << 31) | (((imm >> 5) & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15) |
  (f3 << 12) | (((imm >> 1) & 0xf) << 8) | (((imm >> 11) & 1) << 7) | 0x63;
const encJ = (rd: number, imm: number) =>
  (((imm >> 20) & 1) << 31) | (((imm >> 1) & 0x3ff) << 21) | (((imm >> 11) & 1) << 20) |
  (((imm >> 12) & 0xff) << 12) | (rd << 7) | 0x6f;

/** 6-bit signed immediate of CI format: imm[5] at bit 12, imm[4:0] at bits [6:2]. */
const ciImm = (h: number) => ((h << 19) >> 26 & ~31) | ((h >>> 2) & 31);
/** Offset of c.ld/c.sd/c.fld/c.fsd: uimm[5:3] at [12:10], uimm[7:6] at [6:5]. */
const clsdOff = (h: number) => (((h >>> 10) & 7) << 3) | (((h >>> 5) & 3) << 6);

/**
 * The expansion, computed from the spec's field layout: used to fill `EXPANDED`
 * at module load, and by tests. Same contract as `expandCompressed`.
 */
export function expandCompressedSlow(half: number): number {
  const h = half & 0xffff;
  const f3 = h >>> 13;
  const rdF = (h >>> 7) & 31; // full rd / rs1
  const rs2F = (h >>> 2) & 31; // full rs2
  const rdP = ((h >>> 2) & 7) + 8; // rd' / rs2' at [4:2]
  const rs1P = ((h >>> 7) & 7) + 8; // rs1' / rd' at [9:7]
  switch (((h & 3) << 3) | f3) {
    // ---- Quadrant 0
    case 0: { // c.addi4spn: nzuimm[5:4|9:6|2|3] at [12:5]
      const imm = (((h >>> 11) & 3) << 4) | (((h >>> 7) & 15) << 6) | (((h >>> 6) & 1) << 2) | (((h >>> 5) & 1) << 3);
      return imm === 0 ? 0 : encI(0x13, rdP, 0, 2, imm);
    }
    case 1: return encI(0x07, rdP, 3, rs1P, clsdOff(h)); // c.fld
    case 2: // c.lw: uimm[5:3] at [12:10], uimm[2] at 6, uimm[6] at 5
      return encI(0x03, rdP, 2, rs1P, (((h >>> 10) & 7) << 3) | (((h >>> 6) & 1) << 2) | (((h >>> 5) & 1) << 6));
    case 3: return encI(0x03, rdP, 3, rs1P, clsdOff(h)); // c.ld
    case 4: return 0; // reserved
    case 5: return encS(0x27, 3, rs1P, rdP, clsdOff(h)); // c.fsd
    case 6: // c.sw
      return encS(0x23, 2, rs1P, rdP, (((h >>> 10) & 7) << 3) | (((h >>> 6) & 1) << 2) | (((h >>> 5) & 1) << 6));
    case 7: return encS(0x23, 3, rs1P, rdP, clsdOff(h)); // c.sd
    // ---- Quadrant 1
    case 8: return encI(0x13, rdF, 0, rdF, ciImm(h)); // c.addi (c.nop when rd = 0)
    case 9: return rdF === 0 ? 0 : encI(0x1b, rdF, 0, rdF, ciImm(h)); // c.addiw
    case 10: return encI(0x13, rdF, 0, 0, ciImm(h)); // c.li
    case 11: {
      if (rdF === 2) { // c.addi16sp: nzimm[9] at 12, [4|6|8:7|5] at [6:2]
        const imm = (((h << 19) >> 31) << 9) | (((h >>> 6) & 1) << 4) | (((h >>> 5) & 1) << 6) |
          (((h >>> 3) & 3) << 7) | (((h >>> 2) & 1) << 5);
        return imm === 0 ? 0 : encI(0x13, 2, 0, 2, imm);
      }
      const imm = ciImm(h); // c.lui: nzimm[17:12]
      return imm === 0 ? 0 : (imm << 12) | (rdF << 7) | 0x37;
    }
    case 12: {
      const shamt = (((h >>> 12) & 1) << 5) | rs2F;
      switch ((h >>> 10) & 3) {
        case 0: return encI(0x13, rs1P, 5, rs1P, shamt); // c.srli
        case 1: return encI(0x13, rs1P, 5, rs1P, shamt | 0x400); // c.srai
        case 2: return encI(0x13, rs1P, 7, rs1P, ciImm(h)); // c.andi
        default: {
          const sub = (h >>> 5) & 3;
          if ((h & 0x1000) === 0) {
            switch (sub) {
              case 0: return encR(0x33, rs1P, 0, rs1P, rdP, 0x20); // c.sub
              case 1: return encR(0x33, rs1P, 4, rs1P, rdP, 0); // c.xor
              case 2: return encR(0x33, rs1P, 6, rs1P, rdP, 0); // c.or
              default: return encR(0x33, rs1P, 7, rs1P, rdP, 0); // c.and
            }
          }
          if (sub === 0) return encR(0x3b, rs1P, 0, rs1P, rdP, 0x20); // c.subw
          if (sub === 1) return encR(0x3b, rs1P, 0, rs1P, rdP, 0); // c.addw
          return 0; // reserved
        }
      }
    }
    case 13: { // c.j: offset[11|4|9:8|10|6|7|3:1|5] at [12:2]
      const imm = (((h << 19) >> 31) << 11) | (((h >>> 11) & 1) << 4) | (((h >>> 9) & 3) << 8) |
        (((h >>> 8) & 1) << 10) | (((h >>> 7) & 1) << 6) | (((h >>> 6) & 1) << 7) |
        (((h >>> 3) & 7) << 1) | (((h >>> 2) & 1) << 5);
      return encJ(0, imm);
    }
    case 14: case 15: { // c.beqz / c.bnez: offset[8|4:3] at [12:10], [7:6|2:1|5] at [6:2]
      const imm = (((h << 19) >> 31) << 8) | (((h >>> 10) & 3) << 3) | (((h >>> 5) & 3) << 6) |
        (((h >>> 3) & 3) << 1) | (((h >>> 2) & 1) << 5);
      return encB(f3 & 1, rs1P, 0, imm);
    }
    // ---- Quadrant 2
    case 16: return encI(0x13, rdF, 1, rdF, (((h >>> 12) & 1) << 5) | rs2F); // c.slli
    case 17: // c.fldsp: uimm[5] at 12, [4:3] at [6:5], [8:6] at [4:2]
      return encI(0x07, rdF, 3, 2, (((h >>> 12) & 1) << 5) | (((h >>> 5) & 3) << 3) | (((h >>> 2) & 7) << 6));
    case 18: // c.lwsp: uimm[5] at 12, [4:2] at [6:4], [7:6] at [3:2]
      return rdF === 0 ? 0 :
        encI(0x03, rdF, 2, 2, (((h >>> 12) & 1) << 5) | (((h >>> 4) & 7) << 2) | (((h >>> 2) & 3) << 6));
    case 19: // c.ldsp
      return rdF === 0 ? 0 :
        encI(0x03, rdF, 3, 2, (((h >>> 12) & 1) << 5) | (((h >>> 5) & 3) << 3) | (((h >>> 2) & 7) << 6));
    case 20:
      if ((h & 0x1000) === 0) {
        if (rs2F === 0) return rdF === 0 ? 0 : encI(0x67, 0, 0, rdF, 0); // c.jr
        return encR(0x33, rdF, 0, 0, rs2F, 0); // c.mv
      }
      if (rs2F === 0) return rdF === 0 ? 0x00100073 : encI(0x67, 1, 0, rdF, 0); // c.ebreak / c.jalr
      return encR(0x33, rdF, 0, rdF, rs2F, 0); // c.add
    case 21: // c.fsdsp: uimm[5:3] at [12:10], [8:6] at [9:7]
      return encS(0x27, 3, 2, rs2F, (((h >>> 10) & 7) << 3) | (((h >>> 7) & 7) << 6));
    case 22: // c.swsp: uimm[5:2] at [12:9], [7:6] at [8:7]
      return encS(0x23, 2, 2, rs2F, (((h >>> 9) & 15) << 2) | (((h >>> 7) & 3) << 6));
    case 23: // c.sdsp
      return encS(0x23, 3, 2, rs2F, (((h >>> 10) & 7) << 3) | (((h >>> 7) & 7) << 6));
    default: return 0; // bits [1:0] == 0b11: not a compressed instruction
  }
}

/** An entry of EXPANDED not computed yet: no expansion ends in bits 0b01 (0 is the illegal one). */
const UNKNOWN = 1;
/**
 * Every halfword's expansion, computed the first time it is asked for (256 KiB): a hit is one
 * array read. Not at module load: computing all 65,536 took some 40 ms of every process's
 * start, and the interpreter's predecode cache (predecode.ts) asks once per instruction.
 */
const EXPANDED = new Int32Array(1 << 16).fill(UNKNOWN);

/**
 * Expand a 16-bit compressed instruction (bits [1:0] != 0b11; bits above 15 are
 * ignored) to the 32-bit instruction it stands for; returns 0 for reserved/illegal
 * encodings and for halfwords with bits [1:0] == 0b11. The result is an int32 (bit
 * 31 may make it negative), ready for `decode()`.
 */
export function expandCompressed(half: number): number {
  const h = half & 0xffff;
  const v = EXPANDED[h];
  return v !== UNKNOWN ? v : (EXPANDED[h] = expandCompressedSlow(h));
}
