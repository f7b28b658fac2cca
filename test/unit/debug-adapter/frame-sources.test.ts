/**
 * Frames name only source files that exist (debug-adapter/frame-sources.ts): a missing file
 * gives no path, and one line, once, says where the sources were expected and how to get them.
 */
import { strict as assert } from 'node:assert';
import { FrameSources } from '../../../debug-adapter/frame-sources';

const KERNEL_PC = 0xffffffff801966d2n;
const have = (files: string[]) => (p: string) => files.some((f) => f === p || f.startsWith(p + '/'));

describe('debug adapter: frame sources', () => {
  const map = [{ from: 'samples/linux/build/linux-source-6.1', to: '/w/samples/linux/build/linux-source-6.1' }];

  it('keeps the path of a file that exists', () => {
    const fs = new FrameSources({ cwd: '/w', substitutions: map, exists: have(['/w/samples/linux/build/linux-source-6.1/init/main.c']) });
    assert.deepEqual(fs.check('/w/samples/linux/build/linux-source-6.1/init/main.c', KERNEL_PC), { path: '/w/samples/linux/build/linux-source-6.1/init/main.c' });
  });

  it('drops a missing file and says once where kernel sources belong and the command', () => {
    const fs = new FrameSources({ cwd: '/w/samples', substitutions: map, command: 'bash linux/get-sources.sh', exists: have(['/w/samples/linux']) });
    assert.deepEqual(fs.check('/w/samples/linux/build/linux-source-6.1/init/main.c', KERNEL_PC), {
      notice: 'kernel sources not found under /w/samples/linux/build/linux-source-6.1: run bash linux/get-sources.sh to get them',
    });
    assert.deepEqual(fs.check('/w/samples/linux/build/linux-source-6.1/fs/read_write.c', KERNEL_PC), {});
  });

  it('without a mapping names the highest missing folder, and without a command says what to set', () => {
    const fs = new FrameSources({ cwd: '/w', substitutions: [], exists: have(['/w/samples/hello']) });
    assert.deepEqual(fs.check('/w/samples/hello/gen/x/y.c', 0x80200000n), {
      notice: 'sources not found under /w/samples/hello/gen: frames show disassembly; point "sourceMap" in launch.json at them',
    });
  });
});
