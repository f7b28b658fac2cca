/**
 * The Page Tables view reads one table at a time (`hyperscope.pageTable` with `lazy` for the
 * root, then `table`/`level`/`base` for each pointer expanded): on the paging sample, walking
 * the tree table by table gives exactly the leaves of the full tree the request returns without
 * them, and nothing is read below a pointer until it is asked for.
 */
import { strict as assert } from 'node:assert';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { launch, sample, startClient } from './dap-helpers';

interface Entry { index: number; level: number; pteAddress: string; pte: string; flags: string; target: string; va?: string; base?: string; children?: Entry[] }

const leaves = (es: Entry[]): Entry[] => es.flatMap((e) => (e.children ? leaves(e.children) : e.va ? [e] : []));

describe('debug adapter: page tables one table at a time', function () {
  this.timeout(20_000);
  let dc: DebugClient;
  beforeEach(async () => { dc = await startClient(); });
  afterEach(async () => { await dc.stop(); });

  for (const stage of ['vs', 'g'] as const) {
    it(`the ${stage} tree read table by table has the full tree's leaves`, async () => {
      const { firstStop } = await launch(dc, { program: sample('paging') }, () =>
        dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'finish' }] }));
      await firstStop;
      const full = leaves((await dc.customRequest('hyperscope.pageTable', { stage })).body.entries);
      const root = (await dc.customRequest('hyperscope.pageTable', { stage, lazy: true })).body;
      assert.equal(root.lazy, true);
      assert.ok(root.entries.every((e: Entry) => e.children === undefined), 'the root only');
      let requests = 1;
      const expand = async (es: Entry[]): Promise<Entry[]> => {
        const out: Entry[] = [];
        for (const e of es) {
          if (e.va) { out.push(e); continue; }
          assert.ok(e.base, 'a pointer says which addresses its table maps');
          requests++;
          const t = (await dc.customRequest('hyperscope.pageTable', { stage, table: e.target, level: e.level - 1, base: e.base })).body;
          out.push(...await expand(t.entries));
        }
        return out;
      };
      const lazy = await expand(root.entries);
      assert.deepEqual(lazy, full.map(({ children: _c, ...e }) => e));
      assert.ok(requests > 2, `${requests} tables read`);
    });
  }

  it('refuses a table address that is not one', async () => {
    await launch(dc, { program: sample('paging'), stopOnEntry: true });
    await assert.rejects(dc.customRequest('hyperscope.pageTable', { stage: 'g', table: 'x', level: 0, base: '0x0' }), /table must be an address/);
    await assert.rejects(dc.customRequest('hyperscope.pageTable', { stage: 'g', table: '0x1000', level: 9, base: '0x0' }), /level/);
  });
});
