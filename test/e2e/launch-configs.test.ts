/**
 * The configurations "create a launch.json" offers (extension/launch-configs.ts, no VS Code):
 * built from a scan of the repository's samples folder, one per ELF and one for the Linux
 * Image, with the attributes each sample needs, and the same ones samples/.vscode/launch.json has.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { elfConfig, imageConfig, launchConfigurations, type ScannedGuests } from '../../extension/launch-configs';
import { isRiscvElfHeader } from '../../extension/guest-input';
import { parseImageHeader } from '../../hypervisor-core/machine/loaders/image';
import { parseJsonc } from '../dap/jsonc';

const SAMPLES = join(__dirname, '../../../samples');
/** What the extension's COMPANION_GLOB collects, as a file-name test. */
const COMPANION = /^(.*\.img|.*\.cpio|.*\.cpio\.gz|initrd.*|initramfs.*|vmlinux|vmlinux\.xz|expected-smp.*\.txt|get-sources\.sh)$/;

/** The scan the extension does, done on the file system (build trees skipped). */
function scanSamples(): ScannedGuests {
  const found: ScannedGuests = { elfs: [], images: [], others: [] };
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (name === 'build' || name.startsWith('.')) continue;
      if (statSync(p).isDirectory()) { walk(p); continue; }
      const rel = relative(SAMPLES, p);
      const head = readFileSync(p).subarray(0, 64);
      if (name.endsWith('.elf') && isRiscvElfHeader(head)) found.elfs.push(rel);
      else if (name === 'Image' && parseImageHeader(head)) found.images.push(rel);
      if (COMPANION.test(name)) found.others.push(rel);
    }
  };
  walk(SAMPLES);
  return found;
}

describe('extension: launch configurations from the workspace', () => {
  const configs = launchConfigurations(scanSamples());
  const byProgram = new Map(configs.map((c) => [c.program.replace('${workspaceFolder}/', ''), c]));

  it('offers every sample ELF and the Linux Image, no placeholder', () => {
    assert.deepEqual([...byProgram.keys()], [
      'atomics/atomics.elf', 'cpu-bound/cpu-bound.elf', 'cvars/cvars-O0.elf', 'cvars/cvars.elf', 'exits/exits.elf', 'hello/hello.elf', 'irqs/irqs.elf', 'paging/paging.elf', 'parallel/parallel.elf', 'smp/smp.elf', 'timer/timer.elf',
      'uart/uart.elf', 'virtio/virtio.elf', 'linux/Image',
    ]);
    assert.ok(configs.every((c) => c.type === 'hyperscope' && c.request === 'launch'));
    assert.equal(new Set(configs.map((c) => c.name)).size, configs.length);
  });

  it('gives smp its 4 vCPUs and virtio its disk (snapshot) and entropy device', () => {
    assert.equal(byProgram.get('smp/smp.elf')!.vcpus, 4);
    assert.equal(byProgram.get('hello/hello.elf')!.vcpus, 1);
    assert.deepEqual(byProgram.get('virtio/virtio.elf')!.disks, [{ path: '${workspaceFolder}/virtio/disk.img', snapshot: true }]);
    assert.equal(byProgram.get('virtio/virtio.elf')!.rng, true);
    assert.equal(byProgram.get('hello/hello.elf')!.disks, undefined);
  });

  it('gives Linux its initramfs, vmlinux.xz symbols, a console and the sources command', () => {
    const linux = byProgram.get('linux/Image')!;
    assert.equal(linux.initrd, '${workspaceFolder}/linux/initramfs.cpio.gz');
    assert.deepEqual(linux.symbols, [{ path: '${workspaceFolder}/linux/vmlinux.xz' }]);
    assert.equal(linux.args, 'console=ttyS0');
    assert.equal(linux.sourcesCommand, 'bash linux/get-sources.sh');
    assert.equal(linux.stopOnEntry, false);
  });

  it('agrees with samples/.vscode/launch.json on vCPUs, disks, initrd and symbols', () => {
    const committed = (parseJsonc(readFileSync(join(SAMPLES, '.vscode/launch.json'), 'utf8')) as { configurations: Record<string, unknown>[] }).configurations;
    for (const c of committed) {
      const offered = byProgram.get(String(c.program).replace('${workspaceFolder}/', ''));
      if (!offered) continue; // the "sample of the open file" entry
      assert.equal(offered.vcpus, c.vcpus ?? 1, String(c.program));
      assert.deepEqual(offered.disks, c.disks, String(c.program));
      assert.equal(offered.initrd, c.initrd, String(c.program));
      assert.deepEqual(offered.symbols, c.symbols, String(c.program));
    }
  });

  it('has no static initialConfigurations in package.json (VS Code puts them before the provider\'s)', () => {
    const pkg = JSON.parse(readFileSync(join(SAMPLES, '../package.json'), 'utf8'));
    assert.equal(pkg.contributes.debuggers[0].initialConfigurations, undefined);
  });

  it('follows the files next to each guest, wherever it is', () => {
    assert.deepEqual(elfConfig('a/b/os.elf', ['a/b/expected-smp2.txt', 'a/b/expected-smp8.txt', 'a/expected-smp4.txt', 'a/b/d.img']), {
      type: 'hyperscope', request: 'launch', name: 'Hyperscope: a/b/os.elf', program: '${workspaceFolder}/a/b/os.elf',
      vcpus: 8, memory: '128M', stopOnEntry: true, clock: 'realtime',
      disks: [{ path: '${workspaceFolder}/a/b/d.img', snapshot: true }], rng: true,
    });
    const img = imageConfig('k/Image', ['k/vmlinux', 'k/rootfs.cpio', 'other/vmlinux.xz'], '');
    assert.equal(img.program, 'k/Image');
    assert.equal(img.initrd, 'k/rootfs.cpio');
    assert.deepEqual(img.symbols, [{ path: 'k/vmlinux' }]);
    assert.equal(img.sourcesCommand, undefined);
    assert.deepEqual(launchConfigurations({ elfs: [], images: [], others: ['x.img'] }), []);
  });
});
