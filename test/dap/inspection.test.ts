/**
 * The inspection custom requests over DAP: `hyperscope.pageTable` (both stages as trees),
 * `hyperscope.translate` / the `translate` console command (the two-stage walk), and
 * `hyperscope.input` (the guest console's keystrokes).
 */
import { strict as assert } from 'node:assert';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { launch, sample, startClient } from './dap-helpers';

interface Entry { index: number; level: number; pteAddress: string; pte: string; flags: string; target: string; va?: string; children?: Entry[] }

const leaves = (es: Entry[]): Entry[] => es.flatMap((e) => (e.children ? leaves(e.children) : e.va ? [e] : []));

describe('debug adapter: page tables, translation, console input', function () {
  this.timeout(20_000);
  let dc: DebugClient;

  beforeEach(async () => { dc = await startClient(); });
  afterEach(async () => { await dc.stop(); });

  /** Runs the paging sample to `finish`, when every user page is mapped. */
  async function atFinish(): Promise<void> {
    const { firstStop } = await launch(dc, { program: sample('paging') }, () =>
      dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'finish' }] }));
    await firstStop;
  }

  it('lists the VS-stage tree: the kernel gigapage and the 12 user pages', async () => {
    await atFinish();
    const r = await dc.customRequest('hyperscope.pageTable', { vcpu: 0, stage: 'vs' });
    assert.equal(r.body.stage, 'vs');
    assert.equal(r.body.mode, 'sv39');
    assert.match(r.body.root, /^0x8[0-9a-f]{7}$/);
    const all = leaves(r.body.entries);
    assert.equal(r.body.truncated, undefined);
    const giga = r.body.entries.find((e: Entry) => e.index === 2);
    assert.deepEqual([giga.level, giga.va, giga.target, giga.flags, giga.children], [2, '0x80000000', '0x80000000', 'VRWX-GAD', undefined]);
    const user = all.filter((e) => e.level === 0);
    assert.deepEqual(user.map((e) => e.va), ['0x400000', '0x401000', '0x402000', '0x403000', '0x404000', '0xfff000',
      '0x2000000', '0x2001000', '0x2002000', '0x2003000', '0x2004000', '0x2005000']);
    assert.deepEqual(user.map((e) => e.flags.slice(1, 5)), ['R-XU', 'R-XU', 'R-XU', 'RW-U', 'RW-U', 'RW-U', 'RW-U', 'RW-U', 'RW-U', 'RW-U', 'RW-U', 'RW-U']);
    assert.ok(user.every((e) => /^0x8[0-9a-f]+000$/.test(e.target)));
  });

  it('lists the G-stage tree (Sv39x4, 4 KiB leaves into host memory) and caps nothing small', async () => {
    await atFinish();
    const r = await dc.customRequest('hyperscope.pageTable', { vcpu: 0, stage: 'g' });
    assert.equal(r.body.mode, 'sv39x4');
    const all = leaves(r.body.entries);
    assert.ok(all.length > 10 && all.length === r.body.leaves, `${all.length} leaves`);
    assert.ok(all.every((e) => e.level === 0 && e.flags === 'VRWXU-AD'));
    assert.ok(all.some((e) => e.va === '0x80200000'), 'the kernel entry page is mapped');
    await assert.rejects(dc.customRequest('hyperscope.pageTable', { vcpu: 0, stage: 'x' }), /stage must be 'vs' or 'g'/);
    await assert.rejects(dc.customRequest('hyperscope.pageTable', { vcpu: 3, stage: 'g' }), /no vCPU 3/);
  });

  it('translates a user address through both stages, consistent with the trees', async () => {
    await atFinish();
    const t = (await dc.customRequest('hyperscope.translate', { address: '0x403018' })).body;
    assert.equal(t.mode, 'sv39');
    assert.deepEqual(t.steps.map((s: { level: number }) => s.level), [2, 1, 0]);
    for (const s of t.steps) {
      assert.equal(s.gstage.mode, 'sv39x4');
      assert.deepEqual(s.gstage.steps.map((g: { level: number }) => g.level), [2, 1, 0]);
      assert.equal(BigInt(s.gstage.output) & 0xfffn, BigInt(s.pteAddress) & 0xfffn);
    }
    const vs = leaves((await dc.customRequest('hyperscope.pageTable', { stage: 'vs' })).body.entries);
    const page = vs.find((e) => e.va === '0x403000')!;
    assert.equal(t.gpa, '0x' + (BigInt(page.target) + 0x18n).toString(16));
    assert.equal(t.steps[2].pteAddress, page.pteAddress);
    const g = leaves((await dc.customRequest('hyperscope.pageTable', { stage: 'g' })).body.entries);
    const host = g.find((e) => e.va === page.target)!;
    assert.equal(t.hpa, '0x' + (BigInt(host.target) + 0x18n).toString(16));
    assert.equal(t.gstage.output, t.hpa);
    const text = (await dc.evaluateRequest({ expression: 'translate 0x403018', context: 'repl' })).body.result;
    assert.match(text, /^GVA 0x403018: VS stage sv39 \(vsatp root GPA 0x8/);
    assert.match(text, /VS level 0: PTE @ GPA 0x8[0-9a-f]+ = 0x[0-9a-f]+ \[VRWUAD\]\n {4}PTE GPA -> HPA 0x/);
    assert.match(text, /\nGPA 0x8[0-9a-f]+018\n {2}G stage sv39x4 \(hgatp root HPA 0x/);
    assert.match(text, /G level 0: PTE @ HPA 0x[0-9a-f]+ = 0x[0-9a-f]+ \[VRWXUAD\]\nHPA 0x[0-9a-f]+018$/);
    const bad = (await dc.evaluateRequest({ expression: 'translate 0x7000000', context: 'repl' })).body.result;
    assert.match(bad, /fault: invalid PTE at level [01]/);
  });

  it('sends console input to the guest UART', async () => {
    const outputs: string[] = [];
    dc.on('output', (e) => { if (e.body.category === 'stdout') outputs.push(e.body.output); });
    const { firstStop } = await launch(dc, { program: sample('uart') }, () =>
      dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'uart_echo_input' }] }));
    await firstStop; // the UART is set up and about to wait for a line
    await dc.customRequest('hyperscope.input', { text: 'hi there\n' });
    await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
    const out = outputs.join('');
    assert.match(out, /HI THERE/);
    assert.match(out, /uart: received 9 bytes/);
    await assert.rejects(dc.customRequest('hyperscope.input', { text: 1 }), /text must be a string|no guest/);
  });
});
