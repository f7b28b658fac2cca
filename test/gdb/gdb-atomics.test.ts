/**
 * gdb-multiarch stepping through an LR/SC loop of samples/atomics (lrsc_add_w: lr.w, addw,
 * sc.w, bnez) with stepi: the sc.w succeeds and the loop is left, as on QEMU 7.2's stub
 * (expected lines recorded there, see README.md here). A debugger stop between an LR and its
 * SC must not cost the reservation: before, every step dropped it, the sc.w failed at every
 * try and stepping never got out of the loop.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { requireGdb, ROOT, runGdb, startStub, Stub, stopStub } from './gdb-harness';

const ATOMICS = join(ROOT, 'samples', 'atomics', 'atomics.elf');

describe('gdb stub: stepping through an LR/SC loop', function () {
  this.timeout(90_000);
  let stub: Stub | undefined;
  before(function () { requireGdb(this); });
  afterEach(() => { stopStub(stub); stub = undefined; });

  it('stepi over lr.w, addw, sc.w: the sc.w writes 0 (success) and the bnez leaves the loop, as on QEMU', async () => {
    stub = await startStub([ATOMICS]);
    const g = await runGdb(ATOMICS, stub.port, [
      'break *0x802000ec', 'continue', 'x/i $pc', 'stepi', 'stepi', 'x/i $pc', 'stepi', 'p $t3', 'stepi', 'p $pc', 'kill',
    ]);
    const out = g.stdout;
    assert.match(out, /^Breakpoint 1, lrsc_add_w \(v=1, p=0x80221b18 <lrsc_w>\) at atomics\/atomics\.c:41$/m);
    assert.match(out, /^=> 0x802000ec <count\+72>:\tlr\.w\tt1,\(a1\)$/m);
    assert.match(out, /^=> 0x802000f4 <count\+80>:\tsc\.w\tt3,t1,\(a1\)$/m);
    assert.match(out, /^\$1 = 0$/m);
    assert.match(out, /^lrsc_add_d \(v=1, p=0x80221b10 <lrsc_d>\) at atomics\/atomics\.c:53$/m);
    assert.match(out, /^\$2 = \(void \(\*\)\(\)\) 0x802000fc <count\+88>$/m);
    assert.match(out, /^\[Inferior 1 \(process 1\) killed\]$/m);
  });
});
