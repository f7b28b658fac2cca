/**
 * Field extraction for 32-bit RISC-V instruction words (Unprivileged ISA, "Base
 * Instruction Formats" and "Immediate Encoding Variants").
 *
 * All functions take the word as a number (int32 or uint32 both work) and return
 * small integers; immediates are sign-extended int32. They are tiny so V8 inlines
 * them; the executor may also inline the expressions itself.
 */

/** rd, bits [11:7]. */
export function rd(insn: number): number { return (insn >>> 7) & 31; }
/** rs1, bits [19:15]. */
export function rs1(insn: number): number { return (insn >>> 15) & 31; }
/** rs2, bits [24:20]. */
export function rs2(insn: number): number { return (insn >>> 20) & 31; }
/** rs3 of the fused multiply-add (R4) format, bits [31:27]. */
export function rs3(insn: number): number { return (insn >>> 27) & 31; }
/** funct3, bits [14:12] (also the FP rounding mode field). */
export function funct3(insn: number): number { return (insn >>> 12) & 7; }
/** CSR number, bits [31:20]. */
export function csr(insn: number): number { return (insn >>> 20) & 0xfff; }
/** I-type immediate, sign-extended. */
export function immI(insn: number): number { return insn >> 20; }
/** S-type immediate, sign-extended. */
export function immS(insn: number): number { return ((insn >> 25) << 5) | ((insn >>> 7) & 31); }
/** B-type immediate (branch offset), sign-extended, even. */
export function immB(insn: number): number {
  return ((insn >> 31) << 12) | (((insn >>> 7) & 1) << 11) | (((insn >>> 25) & 0x3f) << 5) | (((insn >>> 8) & 0xf) << 1);
}
/** U-type immediate: bits [31:12] in place, low 12 bits zero, sign-extended int32. */
export function immU(insn: number): number { return insn & 0xfffff000; }
/** J-type immediate (jal offset), sign-extended, even. */
export function immJ(insn: number): number {
  return ((insn >> 31) << 20) | (insn & 0xff000) | (((insn >>> 20) & 1) << 11) | (((insn >>> 21) & 0x3ff) << 1);
}
/** Shift amount of RV64 shift-immediate instructions, bits [25:20]. */
export function shamt(insn: number): number { return (insn >>> 20) & 0x3f; }
