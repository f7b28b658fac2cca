/**
 * The project's self-checking ISA tests (test/isa): every bare variant on the hart alone in
 * M-mode (HTIF tohost), and every guest variant as a VS-mode guest of the hypervisor.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { BareMachine } from '../../hypervisor-core/machine/bare-machine';
import { ROOT, runGuest } from './guest-runner';

const BUILD = path.join(ROOT, 'test', 'isa', 'build');

function elves(variant: string): string[] {
  try {
    return readdirSync(path.join(BUILD, variant)).filter((f) => f.endsWith('.elf')).sort();
  } catch {
    return [];
  }
}

describe('ISA tests on the bare hart (M-mode, HTIF)', function () {
  this.timeout(30_000);
  for (const f of elves('bare')) {
    it(f.replace('.elf', ''), () => {
      let out = '';
      const m = new BareMachine(readFileSync(path.join(BUILD, 'bare', f)), { output: (b) => { out += Buffer.from(b).toString(); } });
      const r = m.run(100_000_000);
      assert.equal(r.kind, 'pass', `${f}: ${JSON.stringify(r)} ${out}`);
    });
  }
});

describe('ISA tests as VS-mode guests of the hypervisor', function () {
  this.timeout(30_000);
  for (const f of elves('guest')) {
    it(f.replace('.elf', ''), () => {
      const r = runGuest(path.join('test', 'isa', 'build', 'guest', f));
      assert.deepEqual(r.stop, { kind: 'shutdown', failure: false }, r.output);
      assert.match(r.output, /PASS/);
    });
  }
});

describe('ISA test harness can fail', () => {
  it('a program that writes a failure code to tohost is reported as failed with that code', () => {
    const bytes = readFileSync(path.join(BUILD, 'bare', 'rv64i.elf'));
    const m = new BareMachine(bytes, { output: () => undefined });
    const { parseElf } = require('../../hypervisor-core/machine/loaders/elf') as typeof import('../../hypervisor-core/machine/loaders/elf');
    const tohost = Number(parseElf(bytes).symbols.find((x) => x.name === 'tohost')!.value);
    const delta = tohost - (m.mem.base + 4); // auipc is the second instruction
    const hi20 = (delta + 0x800) >> 12, lo12 = delta - (hi20 << 12);
    const code = [
      0x00f00293, // li t0, 15: (7 << 1) | 1 = "test 7 failed"
      (hi20 << 12) | (6 << 7) | 0x17, // auipc t1, %pcrel_hi(tohost)
      ((lo12 & 0xfff) << 20) | (6 << 15) | (6 << 7) | 0x13, // addi t1, t1, %pcrel_lo
      (5 << 20) | (6 << 15) | (3 << 12) | 0x23, // sd t0, 0(t1)
      0x0000006f, // j .
    ];
    code.forEach((w, i) => m.mem.view.setUint32((m.hart.pcLo >>> 0) - m.mem.base + 4 * i, w >>> 0, true));
    const r = m.run(1_000_000);
    assert.deepEqual(r.kind === 'fail' ? r.code : r.kind, 7);
  });
});

describe('ISA tests on the reference (QEMU)', function () {
  this.timeout(120_000);
  it('pass on qemu-system-riscv64 except the recorded QEMU 7.2 deviations from the spec', function () {
    const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
    const which = spawnSync('sh', ['-c', 'command -v qemu-system-riscv64']);
    if (which.status !== 0) this.skip(); // QEMU is the reference, not a dependency
    const r = spawnSync('sh', [path.join(ROOT, 'test', 'isa', 'run-qemu.sh')], { encoding: 'utf8', timeout: 110_000 });
    const unexpected = r.stdout.split('\n').filter((l) => /FAIL/.test(l) && !/known QEMU deviation/.test(l));
    assert.deepEqual(unexpected, []);
    assert.equal(r.status, 0, r.stdout);
  });
});
