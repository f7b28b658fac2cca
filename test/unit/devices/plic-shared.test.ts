import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Plic } from '../../../hypervisor-core/devices/plic';
import { PlicState } from '../../../hypervisor-core/devices/plic-state';
import { CallbackIrqLine, type IrqLine } from '../../../hypervisor-core/devices/irq-line';

const prio = (src: number) => 4 * src;
const enable = (ctx: number, word = 0) => 0x2000 + 0x80 * ctx + 4 * word;
const threshold = (ctx: number) => 0x200000 + 0x1000 * ctx;
const claim = (ctx: number) => 0x200004 + 0x1000 * ctx;

/**
 * The VM's PLIC (its outputs CallbackIrqLines, as vm.ts builds them) and a vCPU thread's view
 * of it over the shared state (plain lines, as vcpu-worker.ts builds them); both drive the same
 * wires, as both drive the vCPUs' shared line words. `log` records every drive, in order.
 */
function pair(harts = 2) {
  const wire: boolean[] = new Array(harts * 2).fill(false);
  const log: string[] = [];
  const vmOuts = wire.map((_, ctx) => new CallbackIrqLine((l) => { wire[ctx] = l; log.push(`vm ${ctx} ${l}`); }));
  const vm = new Plic({ contexts: vmOuts });
  const state = vm.share();
  const threadOuts: IrqLine[] = wire.map((_, ctx) => ({ set: (l: boolean) => { wire[ctx] = l; log.push(`thread ${ctx} ${l}`); } }));
  const thread = new Plic({ contexts: threadOuts, shared: state });
  return { vm, thread, wire, log };
}

describe('Plic over shared state (vCPU threads)', () => {
  it('configuration written on a vCPU thread is what a source raised on the VM thread is routed by', () => {
    const { vm, thread, wire } = pair();
    thread.write(prio(10), 4, 3);
    thread.write(enable(3), 4, 1 << 10);
    thread.write(threshold(3), 4, 2);
    assert.equal(vm.read(prio(10), 4), 3);
    assert.equal(vm.read(enable(3), 4), 1 << 10);
    vm.source(10).set(true);
    assert.deepEqual(wire, [false, false, false, true], 'hart 1 S-mode only');
    assert.equal(thread.read(0x1000, 4), 1 << 10, 'pending, seen on the thread');
    // Raising the threshold to the priority masks it (PLIC spec: priority must exceed it).
    thread.write(threshold(3), 4, 3);
    assert.equal(wire[3], false);
    thread.write(threshold(3), 4, 0);
    assert.equal(wire[3], true);
  });

  it('a claim and completion on the thread and a source on the VM thread drive the wire in order, whoever drove it last', () => {
    const { vm, thread, wire, log } = pair();
    thread.write(prio(10), 4, 1);
    thread.write(enable(1), 4, 1 << 10);
    vm.source(10).set(true); // the VM's line sees its rising edge
    assert.equal(wire[1], true);
    assert.equal(thread.read(claim(1), 4), 10);
    assert.equal(wire[1], false, 'the claim lowers it, from the thread');
    vm.source(10).set(false);
    thread.write(claim(1), 4, 10); // complete
    assert.equal(wire[1], false);
    // The VM's own line last saw "high": it must drive the wire again all the same.
    vm.source(10).set(true);
    assert.equal(wire[1], true, 'raised again from the VM thread after the thread lowered it');
    assert.deepEqual(log.filter((l) => l.endsWith(' 1 true') || l.endsWith(' 1 false')),
      ['vm 1 true', 'thread 1 false', 'vm 1 true']);
    assert.equal(vm.claims, 1, 'claims on the thread count for the VM');
  });

  it('drives only changed outputs, and keeps the state it had before it was shared', () => {
    const outs = [0, 1].map(() => new CallbackIrqLine(() => undefined));
    const vm = new Plic({ contexts: outs });
    vm.write(prio(5), 4, 7);
    vm.write(enable(1), 4, 1 << 5);
    vm.source(5).set(true);
    assert.equal(outs[1].asserted, true);
    let drives = 0;
    const thread = new Plic({ contexts: [{ set: () => drives++ }, { set: () => drives++ }], shared: vm.share() });
    assert.equal(thread.read(prio(5), 4), 7);
    assert.equal(thread.read(enable(1), 4), 1 << 5);
    assert.equal(vm.share(), vm.share(), 'shared once');
    thread.write(prio(6), 4, 1); // no output changes
    assert.equal(drives, 0);
    assert.equal(thread.read(claim(1), 4), 5);
    assert.equal(drives, 1);
    assert.equal(outs[1].asserted, true, 'the VM\'s line did not see the thread\'s drive');
    assert.deepEqual(vm.save(), thread.save());
  });

  it('its lock excludes other threads: three threads\' read-modify-writes of the registers all count', async () => {
    const state = new PlicState(95, 4, undefined, true);
    const rounds = 20_000;
    const bump = (s: PlicState): void => {
      for (let i = 0; i < rounds; i++) {
        s.lock();
        s.pending[0] = s.pending[0] + 1;
        s.unlock();
      }
    };
    const module = join(__dirname, '../../../hypervisor-core/devices/plic-state.js');
    const code = `const { workerData, parentPort } = require('node:worker_threads');
      const { PlicState } = require(${JSON.stringify(module)});
      const s = new PlicState(95, 4, workerData);
      for (let i = 0; i < ${rounds}; i++) { s.lock(); s.pending[0] = s.pending[0] + 1; s.unlock(); }
      parentPort.postMessage('done');`;
    const workers = [0, 1].map(() => new Worker(code, { eval: true, workerData: state.buffer }));
    const done = workers.map((w) => new Promise<void>((resolve, reject) => { w.once('message', () => resolve()); w.once('error', reject); }));
    bump(state);
    await Promise.all(done);
    await Promise.all(workers.map((w) => w.terminate()));
    assert.equal(state.pending[0], 3 * rounds);
  });
});
