import { strict as assert } from 'node:assert';
import { Op } from '../../../../hypervisor-core/hart/isa/opcodes';
import { TABLE, INSN_BY_OP, opName } from '../../../../hypervisor-core/hart/isa/table';
import { decode, immB, immI, immJ, immS, immU } from '../../../../hypervisor-core/hart/isa/decoder';
import { parseDump, readFixture } from './objdump-fixture';

const byName = new Map(TABLE.map((r) => [r.name, r.op]));

/** objdump pseudo-instructions (and its I-type spellings) -> the Ops they can stand for. */
const ALIASES: Record<string, Op[]> = {
  nop: [Op.ADDI], li: [Op.ADDI], mv: [Op.ADDI], not: [Op.XORI], neg: [Op.SUB], negw: [Op.SUBW],
  'sext.w': [Op.ADDIW], seqz: [Op.SLTIU], snez: [Op.SLTU], sltz: [Op.SLT], sgtz: [Op.SLT],
  'zext.b': [Op.ANDI], beqz: [Op.BEQ], bnez: [Op.BNE], blez: [Op.BGE], bgez: [Op.BGE],
  bltz: [Op.BLT], bgtz: [Op.BLT], j: [Op.JAL], jr: [Op.JALR], ret: [Op.JALR],
  add: [Op.ADD, Op.ADDI], and: [Op.AND, Op.ANDI], or: [Op.OR, Op.ORI], xor: [Op.XOR, Op.XORI],
  sll: [Op.SLL, Op.SLLI], srl: [Op.SRL, Op.SRLI], sra: [Op.SRA, Op.SRAI], addw: [Op.ADDW, Op.ADDIW],
  sllw: [Op.SLLW, Op.SLLIW], srlw: [Op.SRLW, Op.SRLIW], sraw: [Op.SRAW, Op.SRAIW],
  'fence.tso': [Op.FENCE], unimp: [Op.CSRRW],
  csrr: [Op.CSRRS], csrw: [Op.CSRRW, Op.CSRRWI], csrs: [Op.CSRRS, Op.CSRRSI], csrc: [Op.CSRRC, Op.CSRRCI],
  csrrw: [Op.CSRRW, Op.CSRRWI], csrrs: [Op.CSRRS, Op.CSRRSI], csrrc: [Op.CSRRC, Op.CSRRCI],
  rdcycle: [Op.CSRRS], rdtime: [Op.CSRRS], rdinstret: [Op.CSRRS],
  frflags: [Op.CSRRS], frrm: [Op.CSRRS], frcsr: [Op.CSRRS],
  fsflags: [Op.CSRRW], fsrm: [Op.CSRRW], fscsr: [Op.CSRRW], fsflagsi: [Op.CSRRWI], fsrmi: [Op.CSRRWI],
  'fmv.s': [Op.FSGNJ_S], 'fneg.s': [Op.FSGNJN_S], 'fabs.s': [Op.FSGNJX_S],
  'fmv.d': [Op.FSGNJ_D], 'fneg.d': [Op.FSGNJN_D], 'fabs.d': [Op.FSGNJX_D],
};

/** The Ops an objdump line may be, or undefined for `.4byte` (objdump knows fewer forms). */
function expectedOps(text: string): Op[] | undefined {
  const mnemonic = text.split('\t')[0].replace(/\.(aq|rl|aqrl)$/, '');
  if (mnemonic === '.4byte') return undefined;
  const op = byName.get(mnemonic);
  const ops = ALIASES[mnemonic] ?? (op !== undefined ? [op] : undefined);
  assert.ok(ops, `no table row or alias for objdump mnemonic "${mnemonic}"`);
  return ops;
}

describe('hart/isa table', () => {
  it('has one row per Op, in Op order, with dense ids', () => {
    assert.equal(TABLE.length, Op.COUNT - 1);
    TABLE.forEach((r, i) => assert.equal(r.op, i + 1, `${r.name} is row ${i}`));
    assert.equal(new Set(TABLE.map((r) => r.name)).size, TABLE.length);
    assert.equal(INSN_BY_OP[Op.ADDI].name, 'addi');
    assert.equal(opName(Op.ILLEGAL), 'illegal');
    assert.equal(opName(Op.AMOMAXU_D), 'amomaxu.d');
  });
  it('has consistent masks and no two rows that match the same word', () => {
    for (const r of TABLE) {
      assert.equal(r.match & ~r.mask, 0, `${r.name}: match outside mask`);
      assert.equal(r.match & 3, 3, `${r.name}: not a 32-bit encoding`);
    }
    for (let i = 0; i < TABLE.length; i++) {
      for (let j = i + 1; j < TABLE.length; j++) {
        const a = TABLE[i], b = TABLE[j];
        assert.notEqual((a.match ^ b.match) & a.mask & b.mask, 0, `${a.name} and ${b.name} overlap`);
      }
    }
  });
  it('keeps the Op groups the executor relies on contiguous and ordered', () => {
    assert.deepEqual([Op.CSRRS - Op.CSRRW, Op.CSRRC - Op.CSRRW], [1, 2]);
    assert.deepEqual([Op.CSRRSI - Op.CSRRWI, Op.CSRRCI - Op.CSRRWI, Op.CSRRWI - Op.CSRRC], [1, 2, 1]);
    const hlv = [Op.HLV_B, Op.HLV_BU, Op.HLV_H, Op.HLV_HU, Op.HLVX_HU, Op.HLV_W, Op.HLV_WU, Op.HLVX_WU, Op.HLV_D];
    hlv.forEach((op, i) => assert.equal(op, Op.HLV_B + i));
  });
});

describe('hart/isa decoder', () => {
  it('decodes every row\'s match value to its Op, as int32 and as uint32', () => {
    for (const r of TABLE) {
      assert.equal(decode(r.match), r.op, r.name);
      assert.equal(decode(r.match >>> 0), r.op, r.name);
    }
  });

  it('decodes random instances of every row (random.s) to that row', () => {
    let current: Op | undefined;
    let count = 0;
    for (const line of readFixture('random.s').split('\n')) {
      const name = /^# (\S+)$/.exec(line);
      if (name) current = byName.get(name[1]);
      const insn = /^\t\.insn\t(0x[0-9a-f]+)$/.exec(line);
      if (insn) {
        assert.ok(current !== undefined);
        assert.equal(opName(decode(parseInt(insn[1], 16))), opName(current), insn[1]);
        count++;
      }
    }
    assert.equal(count, TABLE.length * 24);
  });

  it('agrees with objdump on every 32-bit fixture line, and the hand-written fixtures cover every row', () => {
    const covered = new Set<Op>();
    for (const name of ['base.dump', 'fp.dump', 'csrforms.dump', 'random.dump']) {
      for (const l of parseDump(name).lines) {
        if (l.length !== 4) continue;
        const op = decode(l.raw);
        const ops = expectedOps(l.text);
        if (ops === undefined) continue;
        assert.ok(ops.includes(op), `${name}: ${l.line.trim()} decoded as ${opName(op)}`);
        if (name !== 'random.dump') covered.add(op);
      }
    }
    const missing = TABLE.filter((r) => !covered.has(r.op)).map((r) => r.name);
    assert.deepEqual(missing, []);
  });

  it('returns ILLEGAL for words outside the table', () => {
    const illegal = [
      0x00000000, 0xffffffff, 0x00004501, 0x0000000b, 0x0000001f, 0x0000003f, 0x0000007f,
      0xfe000033, 0x04000033, 0x0200101b, 0x08001013, 0x00007003, 0x00004023, 0x00002063,
      0x00001067, 0x00004073, 0x00000173, 0x00100173, 0x10200173, 0x30200074 | 3, 0x10500173,
      0x120000f3, 0x620000f3, 0x6a0040f3, 0x6020c073, 0x68204073, 0x1015a52f, 0x0000002f,
      0x0000402f, 0x04000053, 0x06000053, 0x04000043, 0x06000047, 0x5810f053, 0xe0001053 | (1 << 20),
      0xf0001053, 0x0000400f, 0x00004007, 0x00001027,
    ];
    for (const w of illegal) assert.equal(opName(decode(w)), 'illegal', `0x${(w >>> 0).toString(16)}`);
  });

  it('extracts sign-extended immediates', () => {
    assert.equal(immI(0xfff00513 | 0), -1);
    assert.equal(immS(0xfea13c23 | 0), -8); // sd a0,-8(sp)
    assert.equal(immB(0xfe000ee3 | 0), -4); // beqz zero,.-4
    assert.equal(immJ(0xffdff06f | 0), -4); // j .-4
    assert.equal(immJ(0x7ffff06f), 0xffffe);
    assert.equal(immU(0x80000537 | 0), -0x80000000);
  });
});
