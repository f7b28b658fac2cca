/**
 * Frames name only source files that exist (debug-adapter/frame-sources.ts): a missing file gets
 * a stand-in source reference whose text says, at the frame's line, where the sources were
 * expected and how to get them; the debug console line comes once.
 */
import { strict as assert } from 'node:assert';
import { FrameSources } from '../../../debug-adapter/frame-sources';

const KERNEL_PC = 0xffffffff801966d2n;
const have = (files: string[]) => (p: string) => files.some((f) => f === p || f.startsWith(p + '/'));
const MAIN_C = '/w/samples/linux/build/linux-source-6.1/init/main.c';

describe('debug adapter: frame sources', () => {
  const map = [{ from: 'samples/linux/build/linux-source-6.1', to: '/w/samples/linux/build/linux-source-6.1' }];

  it('keeps the path of a file that exists', () => {
    const fs = new FrameSources({ cwd: '/w', substitutions: map, exists: have([MAIN_C]) });
    assert.deepEqual(fs.check(MAIN_C, KERNEL_PC, 1003), { path: MAIN_C });
  });

  it('gives a missing file a stand-in and says once where kernel sources belong and the command', () => {
    const fs = new FrameSources({ cwd: '/w/samples', substitutions: map, command: 'bash linux/get-sources.sh', exists: have(['/w/samples/linux']) });
    const notice = 'kernel sources not found under /w/samples/linux/build/linux-source-6.1: run bash linux/get-sources.sh to get them';
    assert.deepEqual(fs.check(MAIN_C, KERNEL_PC, 5), { reference: 1, notice });
    assert.deepEqual(fs.check('/w/samples/linux/build/linux-source-6.1/fs/read_write.c', KERNEL_PC, 620), { reference: 2 });
    assert.deepEqual(fs.check(MAIN_C, KERNEL_PC, 5), { reference: 1 }, 'the same file and line: the same stand-in');
    const text = fs.content(1)!.split('\n');
    assert.equal(text[0], `// ${MAIN_C} is not on this machine.`);
    assert.equal(text[1], `// ${notice}, then restart the debug session.`);
    assert.equal(text[4], `// line 5 of ${MAIN_C}`, 'the text is at the frame\'s line');
    assert.equal(fs.content(2)!.split('\n').length, 621);
    assert.equal(fs.content(3), undefined);
    assert.equal(fs.content(0), undefined);
  });

  it('without a mapping names the highest missing folder, and without a command says what to set', () => {
    const fs = new FrameSources({ cwd: '/w', substitutions: [], exists: have(['/w/samples/hello']) });
    assert.equal(fs.check('/w/samples/hello/gen/x/y.c', 0x80200000n, 1).notice,
      'sources not found under /w/samples/hello/gen: point "sourceMap" in launch.json at them');
  });
});
