/**
 * gdb-multiarch against `hyperscope run test/fixtures/smp-debug/spin.elf --vcpus 2 --threads 2
 * --gdb`: the vCPUs on two host threads under all-stop, the same session as on
 * `qemu-system-riscv64 -M virt -smp 2 -s -S` (expected lines from gdb 13.1 on QEMU 7.2, see
 * README.md here). Both harts count in count[] forever; hart 1 alone calls tick().
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { requireGdb, ROOT, runGdb, startStub, Stub, stopStub } from './gdb-harness';

const SPIN = join(ROOT, 'test', 'fixtures', 'smp-debug', 'spin.elf');

describe('gdb stub: gdb-multiarch on two vCPUs on two threads', function () {
  this.timeout(90_000);
  let stub: Stub | undefined;
  before(function () { requireGdb(this); });
  afterEach(() => { stopStub(stub); stub = undefined; });

  it('stops both at a breakpoint on one, steps one thread alone, runs one thread alone under scheduler-locking', async () => {
    stub = await startStub([SPIN, '--vcpus', '2', '--threads', '2']);
    const g = await runGdb(SPIN, stub.port, [
      'break tick', 'continue', 'info threads', 'p count', 'p count',
      'thread 2', 'set scheduler-locking step', 'stepi', 'info threads',
      'continue', 'p ticks',
      'set scheduler-locking on', 'p count[0]', 'continue', 'p count[0]', 'p ticks', 'kill',
    ]);
    const out = g.stdout;
    // QEMU: the same two lines.
    assert.match(out, /^Breakpoint 1 at 0x802000a4: file test\/fixtures\/smp-debug\/spin\.c, line 16\.$/m);
    assert.match(out, /^Thread 2 hit Breakpoint 1, tick \(\) at test\/fixtures\/smp-debug\/spin\.c:16$/m);
    // QEMU: "  1    Thread 1.1 (CPU#0 [running]) 0x00000000802000e8 in spin (me=me@entry=0) at
    // test/fixtures/smp-debug/spin.c:22" (where hart 0 was in its loop) and
    // "* 2    Thread 1.2 (CPU#1 [running]) tick () at test/fixtures/smp-debug/spin.c:16".
    const threads = [...out.matchAll(/^ {2}1 {4}Thread 1\.1 \(vCPU 0 \[running\]\) (0x[0-9a-f]+ in )?spin \(me=me@entry=0\) at test\/fixtures\/smp-debug\/spin\.c:\d+$/gm)];
    assert.equal(threads.length, 2, out);
    assert.match(out, /^\* 2 {4}Thread 1\.2 \(vCPU 1 \[running\]\) tick \(\) at test\/fixtures\/smp-debug\/spin\.c:16$/m);
    // Stopped, hart 0 counts no more (QEMU: "$1 = {13526, 4096}" twice).
    const counts = [...out.matchAll(/^\$(\d+) = \{(\d+), (\d+)\}$/gm)].map((m) => [Number(m[2]), Number(m[3])]);
    assert.equal(counts.length, 2, out);
    assert.deepEqual(counts[0], counts[1]);
    assert.equal(counts[0][1], 4096);
    // stepi on thread 2 alone (QEMU: the same line; thread 1's frame unchanged in info threads).
    assert.match(out, /^0x00000000802000a6\t16\t\tticks\+\+;$/m);
    assert.match(out, /^\* 2 {4}Thread 1\.2 \(vCPU 1 \[running\]\) 0x00000000802000a6 in tick \(\) at test\/fixtures\/smp-debug\/spin\.c:16$/m);
    assert.equal(threads[0][0], threads[1][0], 'thread 1 did not move while thread 2 stepped');
    // continue runs both to the next hit (QEMU: "$5 = 1").
    assert.equal([...out.matchAll(/^Thread 2 hit Breakpoint 1, tick \(\)/gm)].length, 3);
    // With scheduler-locking on, gdb sends vCont;c:p1.2: thread 2 runs alone (QEMU: hart 0's count the same before and after).
    const c0 = [...out.matchAll(/^\$\d+ = (\d+)$/gm)].map((m) => Number(m[1]));
    assert.deepEqual(c0.length, 4, out); // ticks, count[0], count[0], ticks
    assert.equal(c0[0], 1);
    assert.equal(c0[1], c0[2]);
    assert.equal(c0[3], 2);
    assert.equal(g.status, 0, g.stderr);
  });
});
