/**
 * The flame graph's layout in the Exit Statistics panel (extension/exit-stats-panel/flame-model.ts):
 * frame widths are shares of the samples, callees sit above their callers inside their span,
 * narrow frames are left out, and the tooltip says count, share, callers and source.
 */
import { strict as assert } from 'node:assert';
import { flameDepth, flameRects, flameSummary, flameTooltip } from '../../extension/exit-stats-panel/flame-model';
import type { FlameNode } from '../../hypervisor-core/debug/flame-graph';

const tree: FlameNode = {
  name: 'all', value: 100, children: [
    { name: 'main', value: 90, children: [
      { name: 'uart_init', value: 10, children: [{ name: 'uart_write', value: 10, children: [], source: { path: '/s/ns16550a.c', line: 19, column: 2 } }] },
      { name: 'uart_puts', value: 80, children: [{ name: 'uart_read', value: 80, children: [] }] },
    ] },
    { name: 'trap_entry', value: 10, children: [{ name: 'tiny', value: 0.1, children: [] }] },
  ],
};

describe('extension: flame graph layout', () => {
  it('gives each frame its share of the samples, callees within their caller', () => {
    const rects = flameRects(tree);
    const at = (n: string) => rects.find((r) => r.name === n)!;
    assert.deepEqual([at('all').x, at('all').width, at('all').depth], [0, 1, 0]);
    assert.deepEqual([at('main').x, at('main').width, at('main').depth], [0, 0.9, 1]);
    assert.deepEqual([at('uart_init').x, at('uart_init').width], [0, 0.1]);
    assert.ok(Math.abs(at('uart_puts').x - 0.1) < 1e-12 && Math.abs(at('uart_read').width - 0.8) < 1e-12);
    assert.ok(Math.abs(at('trap_entry').x - 0.9) < 1e-12);
    assert.equal(at('uart_read').path, 'main > uart_puts');
    assert.equal(flameDepth(rects), 4);
  });

  it('leaves out frames narrower than the minimum width, and bounds the number of frames', () => {
    assert.equal(flameRects(tree).some((r) => r.name === 'tiny'), false);
    assert.equal(flameRects(tree, 0.0001).some((r) => r.name === 'tiny'), true);
    assert.equal(flameRects(tree, 0, 3).length, 3);
    assert.deepEqual(flameRects({ name: 'all', value: 0, children: [] }), []);
  });

  it('says in the tooltip how many exits, what share, from where, and the source', () => {
    const r = flameRects(tree).find((x) => x.name === 'uart_write')!;
    assert.equal(flameTooltip(r, 100, 'mmio'), 'uart_write: 10 mmio exits (10.00%)\ncalled from main > uart_init\n/s/ns16550a.c:19');
  });

  it('summarises what was sampled', () => {
    const g = { reason: 'mmio', period: 4, active: true, exits: 400, samples: 100, dropped: 2, folded: '', root: tree };
    assert.equal(flameSummary(g), 'mmio: 100 stacks from 400 exits (one exit in 4; sampling, 2 beyond the table of distinct stacks)');
    assert.match(flameSummary({ ...g, reason: undefined }), /Not sampling/);
  });
});
