/**
 * The Guest CSRs scope, the privilege, gdb's CSRs and the page-table view show what the guest
 * itself reads under every technique: under shadow paging the hart's vsatp is the shadow
 * table, and under classic trap-and-emulate the guest's S CSRs live in the virtual CSR file
 * while the hart runs its kernel in U-mode. The guest (test/guests/reproducers/src/csr-view.S,
 * which prints PASS on QEMU 7.2 + OpenSBI) writes known values to its CSRs, reads each back
 * into s1..s10 and stops at `csr_view_stop`: the debugger must show those values.
 */
import { strict as assert } from 'node:assert';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { ROOT, launch, scopeValues, startClient, stopped } from './dap-helpers';
import { GuestDebugger } from '../../hypervisor-core/debug/guest-debugger';
import { resolveLaunch } from '../../debug-adapter/launch-config';
import { readGdbRegister, writeGdbRegister } from '../../hypervisor-core/gdb/gdb-registers';
import { CSR_REGNUM_BASE, PRIV_REGNUM } from '../../hypervisor-core/gdb/target-description';

const GUEST = 'test/guests/reproducers/build/csr-view.elf';
/** The guest's reads: register -> CSR (src/csr-view.S). */
const READS: [string, string, number][] = [
  ['s1', 'sstatus', 0x100], ['s2', 'sie', 0x104], ['s3', 'sip', 0x144], ['s4', 'stvec', 0x105], ['s5', 'sscratch', 0x140],
  ['s6', 'sepc', 0x141], ['s7', 'scause', 0x142], ['s8', 'stval', 0x143], ['s9', 'satp', 0x180], ['s10', 'stimecmp', 0x14d],
];
const TECHNIQUES = [['hardware + two-stage', {}], ['hardware + shadow', { mmu: 'shadow' }], ['trap-emulate', { cpuVirt: 'trap-emulate' }]] as const;

describe('debug adapter: the guest\'s CSRs as the guest reads them, under every technique', function () {
  this.timeout(30_000);
  let dc: DebugClient;

  beforeEach(async () => { dc = await startClient(); });
  afterEach(async () => { await dc.stop(); });

  for (const [name, extra] of TECHNIQUES) {
    it(`${name}: Guest CSRs, priv and the page-table view at csr_view_stop`, async () => {
      const { firstStop } = await launch(dc, { program: GUEST, ...extra },
        () => dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'csr_view_stop' }] }));
      assert.equal((await firstStop).body.reason, 'function breakpoint');
      const regs = await scopeValues(dc, 'Registers');
      const csrs = await scopeValues(dc, 'Guest CSRs');
      for (const [reg, csr] of READS) assert.equal(csrs.get(csr)?.value, regs.get(reg)?.value, `${csr} (the guest read ${regs.get(reg)?.value})`);
      // The values the guest wrote (sstatus: SUM and MXR among its bits; satp: Sv39, ASID 5).
      assert.equal(csrs.get('sscratch')?.value, '0x12345678abcdef01');
      assert.equal(BigInt(csrs.get('sstatus')!.value) & 0xc0000n, 0xc0000n);
      assert.equal(csrs.get('sie')?.value, '0x222');
      assert.equal(BigInt(csrs.get('satp')!.value) >> 44n, 0x80005n);
      assert.equal(regs.get('priv')?.value, 'S (VS)', 'the guest kernel runs in (its) S-mode');
      // The page-table view walks the guest's own table (satp's root), whatever the hart's satp holds.
      const root = (BigInt(csrs.get('satp')!.value) & ((1n << 44n) - 1n)) << 12n;
      const pt = await dc.customRequest('hyperscope.pageTable', { stage: 'vs' });
      assert.equal(pt.body.mode, 'sv39');
      assert.equal(pt.body.root, '0x' + root.toString(16));
      assert.equal(pt.body.leaves, 1, 'one gigapage');
      // Reading the guest's sscratch through the console's expression: the same value.
      const e = await dc.evaluateRequest({ expression: '$sscratch', context: 'repl' });
      assert.match(e.body.result, /0x12345678abcdef01/);
      await dc.disconnectRequest({});
    });
  }

  it('trap-emulate: a Guest CSRs edit reaches the guest (it reads back what the debugger wrote)', async () => {
    const { firstStop } = await launch(dc, { program: GUEST, cpuVirt: 'trap-emulate' },
      () => dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'csr_view_stop' }] }));
    await firstStop;
    const scopes = await dc.scopesRequest({ frameId: 0 });
    const ref = scopes.body.scopes.find((s) => s.name === 'Guest CSRs')!.variablesReference;
    const set = await dc.setVariableRequest({ variablesReference: ref, name: 'sscratch', value: '0x55' });
    assert.equal(set.body.value, '0x55');
    await assert.rejects(dc.setVariableRequest({ variablesReference: ref, name: 'satp', value: '0' }), /satp of this guest is the hypervisor's to set/);
    // The guest reads sscratch again into s11 and stops at csr_view_read.
    await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'csr_view_read' }] });
    await Promise.all([dc.continueRequest({ threadId: 1 }), stopped(dc)]);
    const regs = await scopeValues(dc, 'Registers');
    assert.equal(regs.get('s11')?.value, '0x55');
    assert.equal(regs.get('s5')?.value, '0x12345678abcdef01', 'its first read');
    await dc.disconnectRequest({});
  });
});

describe('gdb\'s CSRs and priv under trap-and-emulate (the register numbers of the stub)', function () {
  this.timeout(30_000);

  it('reads the guest\'s S CSRs and privilege, not the hart\'s; writes go to the virtual CSR file', async () => {
    const d = GuestDebugger.launch(resolveLaunch({ program: GUEST, cwd: ROOT, clock: 'icount', cpuVirt: 'trap-emulate' }));
    d.setFunctionBreakpoints([{ name: 'csr_view_stop' }]);
    await d.continue();
    assert.equal(d.lastStop?.reason, 'function breakpoint');
    const h = d.hart(0);
    const gpr = (i: number) => readGdbRegister(h, i)!;
    for (const [reg, , csr] of READS) {
      const i = ['s1', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10'].indexOf(reg);
      const x = [9, 18, 19, 20, 21, 22, 23, 24, 25, 26][i];
      assert.equal(readGdbRegister(h, CSR_REGNUM_BASE + csr), gpr(x), `csr 0x${csr.toString(16)}`);
    }
    assert.equal(readGdbRegister(h, PRIV_REGNUM), 1n, 'S: the hart itself is in U-mode');
    assert.equal(h.priv, 0);
    assert.equal(writeGdbRegister(h, CSR_REGNUM_BASE + 0x140, 0x77n), true);
    assert.equal(readGdbRegister(h, CSR_REGNUM_BASE + 0x140), 0x77n);
    assert.equal(writeGdbRegister(h, PRIV_REGNUM, 3n), false, 'the guest\'s privilege is the hypervisor\'s to track');
    d.terminate();
  });
});
