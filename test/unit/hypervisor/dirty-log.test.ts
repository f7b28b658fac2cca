/**
 * Dirty page logging (KVM_MEM_LOG_DIRTY_PAGES / KVM_GET_DIRTY_LOG): a guest with a known write
 * pattern, the bitmap fetched and cleared between its phases. Expected pages are the ones the
 * guest program below stores to (its source is beside the words), as KVM logs them: each
 * written page once per round, read-only and fetched pages never, host writes into guest RAM
 * too.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Vm } from '../../../hypervisor-core/hypervisor/vm';
import { dirtyPages } from '../../../hypervisor-core/hypervisor/dirty-log';
import { bootVirt } from '../../../hypervisor-core/machine/virt-board';
import { ROOT } from '../../guests/guest-runner';

/*
 * _start: li t0, 0x80400000; li t1, 0x11
 *   sd t1, 0(t0)               # page 0x400 of RAM
 *   sd t1, 8(t0 + 0x2000)      # page 0x402
 *   sd t1, 16(t0 + 0x5000)     # page 0x405
 *   ld t4, 0(t0 + 0x1000)      # page 0x401: read only
 *   ecall (SBI base, a7 = 0x10)             -- end of phase 1
 *   sd t1, 0(t0)               # page 0x400 again (now write-protected again)
 *   amoadd.d zero, t1, (t0 + 0x7000)        # page 0x407 through an AMO
 *   ecall                                    -- end of phase 2
 *   ecall                                    -- phase 3 writes nothing
 * 1: j 1b
 * (riscv64-unknown-elf-gcc -march=rv64ima -nostdlib -Ttext=0x80200000)
 */
const CODE = [0x2010029b, 0x01629293, 0x01100313, 0x0062b023, 0x000023b7, 0x00728e33, 0x006e3423, 0x000053b7,
  0x00728e33, 0x006e3823, 0x000013b7, 0x00728e33, 0x000e3e83, 0x01000893, 0x00000813, 0x00000073, 0x0062b023,
  0x000073b7, 0x00728e33, 0x006e302f, 0x01000893, 0x00000813, 0x00000073, 0x01000893, 0x00000813, 0x00000073,
  0x0000006f];

/** A VM running the program above, stopping after each of its SBI calls. */
function guest(): Vm {
  const vm = new Vm({ vcpus: 1, memory: 8 * 1024 * 1024, clock: 'icount', console: () => undefined });
  vm.ram.write(0x80200000, new Uint8Array(Uint32Array.from(CODE).buffer));
  vm.boot(0x80200000, 0x80300000);
  vm.onExit = (r) => r.reason === 'sbi';
  return vm;
}

/** Runs to the next phase boundary (the guest's next SBI call). */
function phase(vm: Vm): void {
  const stop = vm.runFor(1_000_000);
  assert.equal(stop?.kind, 'exit-breakpoint', stop?.kind === 'fatal' ? stop.message : String(stop?.kind));
}

describe('dirty page logging', () => {
  it('logs each page the guest stores to once per round; reads, fetches and other pages stay clean', () => {
    const vm = guest();
    const log = vm.startDirtyLog();
    phase(vm);
    assert.deepEqual(dirtyPages(vm.fetchDirtyLog()), [0x400, 0x402, 0x405]);
    phase(vm);
    assert.deepEqual(dirtyPages(vm.fetchDirtyLog()), [0x400, 0x407], 'a page written again after a fetch is logged again; an AMO is a write');
    phase(vm);
    assert.deepEqual(dirtyPages(vm.fetchDirtyLog()), [], 'a phase without stores dirties nothing');
    assert.equal(log.stats.protectionFaults, 1, 'page 0x400 was mapped and write-protected by the fetch');
    assert.equal(log.stats.pagesFetched, 5);
    assert.equal(log.stats.fetches, 3);
    // The guest saw nothing of it: its stores and its AMO landed.
    assert.deepEqual([...vm.ram.read(0x80400000, 1)!], [0x11]);
    assert.deepEqual([...vm.ram.read(0x80407000, 1)!], [0x11]);
    assert.equal(vm.stats.report().dirtyLog?.protectionFaults, 1, 'counted in the statistics');
  });

  it('logs host-side writes into guest RAM (device DMA, loaders)', () => {
    const vm = guest();
    const log = vm.startDirtyLog();
    vm.ram.write(0x80406ffe, Uint8Array.of(1, 2, 3, 4)); // straddles pages 0x406 and 0x407
    assert.deepEqual(dirtyPages(vm.fetchDirtyLog()), [0x406, 0x407]);
    assert.equal(log.stats.hostWrites, 2);
  });

  it('pages written before the log started are not in it; after stopDirtyLog nothing is logged', () => {
    const vm = guest();
    phase(vm); // phase 1 without the log: its pages are mapped writable
    vm.startDirtyLog();
    phase(vm);
    assert.deepEqual(dirtyPages(vm.fetchDirtyLog()), [0x400, 0x407], 'page 0x400 was write-protected when the log started');
    vm.stopDirtyLog();
    assert.equal(vm.dirtyLog, null);
  });

  it('a guest runs as without it: the smp sample on 2 vCPUs with the log on from boot prints QEMU\'s console', () => {
    // samples/smp/expected-smp2.txt was recorded from QEMU virt + OpenSBI.
    const expected = readFileSync(path.join(ROOT, 'samples/smp/expected-smp2.txt'), 'utf8');
    let out = '';
    const { vm } = bootVirt({
      kernel: readFileSync(path.join(ROOT, 'samples/smp/smp.elf')), vcpus: 2, memory: 64 * 1024 * 1024, clock: 'icount',
      console: (b) => { out += Buffer.from(b).toString('latin1'); },
    });
    const log = vm.startDirtyLog();
    // Rounds of a few slices each, as a migration's rounds are (a fetch between every fault and
    // its retry would keep re-protecting the page the vCPU is about to write).
    for (let i = 0; i < 200; i++) {
      const stop = vm.runFor(150_000);
      if (stop?.kind === 'shutdown') break;
      vm.fetchDirtyLog();
    }
    assert.equal(out, expected);
    assert.ok(log.stats.pagesFetched > 0 && log.stats.protectionFaults > 0, 'the guest dirtied pages and took write-protection faults');
  });
});
