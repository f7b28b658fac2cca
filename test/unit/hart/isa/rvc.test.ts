import { strict as assert } from 'node:assert';
import { Op } from '../../../../hypervisor-core/hart/isa/opcodes';
import { decode, expandCompressed } from '../../../../hypervisor-core/hart/isa/decoder';
import { parseDump } from './objdump-fixture';

const hex = (v: number) => `0x${(v >>> 0).toString(16)}`;

describe('hart/isa expandCompressed (RV64C)', () => {
  it('gives the assembler\'s 32-bit encoding for every line of rvc.s', () => {
    const c = parseDump('rvc.dump').lines;
    const full = parseDump('rvc-noc.dump').lines;
    assert.equal(c.length, full.length);
    c.forEach((l, i) => {
      assert.equal(l.length, 2, `${l.line.trim()} is not compressed`);
      assert.equal(hex(expandCompressed(l.raw)), hex(full[i].raw), `${l.line.trim()} vs ${full[i].line.trim()}`);
    });
  });

  it('rejects exactly the encodings objdump does not know, and the rest decode', () => {
    const lines = parseDump('c16.dump.gz').lines;
    assert.equal(lines.length, 49152);
    for (const l of lines) {
      const w = expandCompressed(l.raw);
      // objdump prints 0x0000 as "unimp" and accepts c.addi16sp with imm 0 (reserved).
      const reserved = l.text.startsWith('.2byte') || l.raw === 0 || l.raw === 0x6101;
      assert.equal(w === 0, reserved, l.line.trim());
      if (w !== 0) assert.notEqual(decode(w), Op.ILLEGAL, `${l.line.trim()} -> ${hex(w)}`);
    }
  });

  it('handles the reserved cases and RV64 meanings named by the spec', () => {
    const reserved = {
      'all zero': 0x0000, 'c.addi4spn nzuimm=0': 0x0004, 'c.addiw rd=0': 0x2001, 'c.lwsp rd=0': 0x4002,
      'c.ldsp rd=0': 0x6002, 'c.lui imm=0': 0x6081, 'c.addi16sp imm=0': 0x6101, 'c.jr rs1=0': 0x8002,
      'Q0 funct3=4': 0x8000, 'Q1 reserved alu': 0x9c41, 'not compressed': 0x0013,
    };
    for (const [what, h] of Object.entries(reserved)) assert.equal(expandCompressed(h), 0, what);
    assert.equal(hex(expandCompressed(0x2085)), hex(0x0010809b)); // c.addiw ra,1 -> addiw ra,ra,1
    assert.equal(hex(expandCompressed(0x6000)), hex(0x00043403)); // c.ld s0,0(s0)
    assert.equal(hex(expandCompressed(0xe000)), hex(0x00843023)); // c.sd s0,0(s0)
    assert.equal(hex(expandCompressed(0x9002)), hex(0x00100073)); // c.ebreak
    assert.equal(hex(expandCompressed(0x0001)), hex(0x00000013)); // c.nop
  });
});
