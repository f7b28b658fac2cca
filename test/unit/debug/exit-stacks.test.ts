/**
 * Guest call stacks sampled at VM exits and their flame graph (exit-stacks.ts, exit-flame.ts).
 * The uart sample's MMIO exits come from its driver functions; the expected stacks are read
 * from samples/uart/uart.c (main -> uart_init -> 7 uart_write calls; the polled transmit
 * uart_puts_polled -> uart_putc_polled -> uart_read/uart_write; the PLIC setup's 3 writes).
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { GuestDebugger } from '../../../hypervisor-core/debug';
import { ExitStackSampler, MAX_STACKS } from '../../../hypervisor-core/debug/exit-stacks';
import { exitFlameGraph, FlameFrameNamer, FlameNode, OTHER_STACKS } from '../../../hypervisor-core/debug/exit-flame';

const ROOT = resolve(__dirname, '../../../..');

/** The folded lines as stack -> count. */
function foldedMap(folded: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of folded.split('\n').filter(Boolean)) {
    const m = /^(.*) (\d+)$/.exec(line);
    assert.ok(m, `folded line '${line}'`);
    out.set(m[1], Number(m[2]));
  }
  return out;
}

describe('Exit stack sampling', () => {
  it('unwinds nothing while off or for other reasons, and samples one exit in `period`', () => {
    const s = new ExitStackSampler();
    let unwound = 0;
    const unwind = () => { unwound++; return [0x80200000n + BigInt(unwound % 3) * 4n, 0x80200100n]; };
    s.note('mmio', unwind);
    assert.equal(unwound, 0);
    s.start('mmio', 4);
    for (let i = 0; i < 40; i++) s.note(i % 2 ? 'sbi' : 'mmio', unwind);
    assert.equal(unwound, 5); // 20 mmio exits, one in 4
    const snap = s.snapshot();
    assert.equal(snap.exits, 20);
    assert.equal(snap.samples, 5);
    assert.equal(snap.stacks.reduce((n, x) => n + x.count, 0), 5);
    s.stop();
    s.note('mmio', unwind);
    assert.equal(unwound, 5);
  });

  it('keeps at most MAX_STACKS distinct stacks and counts the rest as dropped', () => {
    const s = new ExitStackSampler();
    s.start('sbi');
    let n = 0;
    for (let i = 0; i < MAX_STACKS + 10; i++) s.note('sbi', () => [BigInt(0x80000000 + 2 * n++)]);
    s.note('sbi', () => [0x80000000n]); // a known stack still counts
    const snap = s.snapshot();
    assert.equal(snap.stacks.length, MAX_STACKS);
    assert.equal(snap.dropped, 10);
    const g = exitFlameGraph(snap, new FlameFrameNamer([], (p) => p));
    assert.equal(g.root.value, MAX_STACKS + 11);
    assert.equal(foldedMap(g.folded).get(OTHER_STACKS), 10);
  });

  it('refuses an unknown reason and a bad period', () => {
    const s = new ExitStackSampler();
    assert.throws(() => s.start('nope'), /unknown exit reason 'nope'/);
    assert.throws(() => s.start('mmio', 0), /period/);
    assert.throws(() => s.start('mmio', 1.5), /period/);
  });
});

describe('Flame graph of the uart sample\'s MMIO exits', function () {
  this.timeout(30_000);
  let d: GuestDebugger;
  before(async () => {
    const path = resolve(ROOT, 'samples/uart/uart.elf');
    d = GuestDebugger.launch({ kernel: readFileSync(path), programPath: path, vcpus: 1, memory: 64 << 20, clock: 'icount', cwd: ROOT });
    d.exitStacks.start('mmio');
    await d.continue();
    assert.ok(d.isEnded(), `the guest ran to its end (${d.lastStop?.description})`);
  });

  it('samples every MMIO exit once (period 1)', () => {
    const g = d.exitFlameGraph();
    const mmio = d.statsReport().reasons.find((r) => r.key === 'mmio')!;
    assert.equal(g.reason, 'mmio');
    assert.equal(g.exits, mmio.samples);
    assert.equal(g.samples, mmio.samples);
    assert.equal(g.root.value, mmio.samples);
    assert.equal([...foldedMap(g.folded).values()].reduce((a, b) => a + b, 0), mmio.samples);
  });

  it('names the UART driver functions under their callers, as uart.c calls them', () => {
    const folded = foldedMap(d.exitFlameGraph().folded);
    const ending = (suffix: string) => [...folded].filter(([k]) => k.endsWith(suffix)).reduce((n, [, c]) => n + c, 0);
    assert.equal(ending('main;uart_init;uart_write'), 7);
    assert.ok(ending('uart_puts_polled;uart_putc_polled;uart_read') > 0);
    assert.ok(ending('uart_puts_polled;uart_putc_polled;uart_write') > 0);
  });

  it('puts each MMIO exit under the accessor that made it, as many as the guest counted itself', () => {
    // The guest counts its own register accesses per accessor: samples/uart/expected.txt prints
    // "uart 155 reads + 165 writes, plic 63 reads + 67 writes".
    const leaves = new Map<string, number>();
    for (const [stack, n] of foldedMap(d.exitFlameGraph().folded)) {
      const leaf = stack.slice(stack.lastIndexOf(';') + 1);
      leaves.set(leaf, (leaves.get(leaf) ?? 0) + n);
    }
    assert.deepEqual(Object.fromEntries(leaves), { uart_read: 155, uart_write: 165, plic_read: 63, plic_write: 67 });
  });

  it('gives each frame its source line for the panel to open', () => {
    const find = (n: FlameNode, name: string): FlameNode | undefined =>
      n.name === name ? n : n.children.map((c) => find(c, name)).find(Boolean);
    const read = find(d.exitFlameGraph().root, 'uart_read');
    assert.ok(read?.source, 'uart_read has a source');
    assert.match(read.source.path, /samples\/uart\/ns16550a\.c$/);
    // The volatile load in uart_read (ns16550a.c line 13).
    assert.equal(read.source.line, 13);
  });
});
