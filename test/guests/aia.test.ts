/**
 * Exit-less interrupts with AIA (`--aia`) against the PLIC, on the irqs sample: the same guest,
 * which finds its interrupt controller in the device tree, prints what it prints under
 * qemu-system-riscv64 7.2 + OpenSBI on `-M virt` and on `-M virt,aia=aplic-imsic`
 * (samples/irqs/expected-plic.txt and expected-aia.txt, recorded with samples/run-qemu.sh),
 * and the exit statistics show what each interrupt cost: two PLIC exits (claim, complete) per
 * external interrupt and one SBI exit per IPI, against none with AIA, where the guest claims
 * through stopei and sends IPIs by storing to an IMSIC page mapped in the G-stage.
 * Also: a blocked vCPU woken by an MSI through SGEI, and the samples and Linux on the AIA board.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { comparable, ROOT, runGuest } from './guest-runner';
import { bootVirt } from '../../hypervisor-core/machine/virt-board';

function expected(name: string, file: string): string {
  return comparable(readFileSync(path.join(ROOT, 'samples', name, file), 'utf8'));
}

const mmioBy = (r: ReturnType<typeof runGuest>) => Object.fromEntries(r.vm.stats.report().mmio.map((row) => [row.key, row.samples]));
const sbiBy = (r: ReturnType<typeof runGuest>) => Object.fromEntries(r.vm.stats.report().sbi.map((row) => [row.key, row.samples]));

describe('AIA: exit-less interrupts against the PLIC (irqs sample)', function () {
  this.timeout(60_000);

  it('the irqs sample prints what it prints under QEMU, with the PLIC and with AIA', () => {
    const plic = runGuest('samples/irqs/irqs.elf');
    assert.deepEqual(plic.stop, { kind: 'shutdown', failure: false });
    assert.equal(comparable(plic.output), expected('irqs', 'expected-plic.txt'));
    const aia = runGuest('samples/irqs/irqs.elf', 1, undefined, { aia: true });
    assert.deepEqual(aia.stop, { kind: 'shutdown', failure: false });
    assert.equal(comparable(aia.output), expected('irqs', 'expected-aia.txt'));
  });

  it('PLIC: every external interrupt costs a claim and a complete exit, every IPI an SBI exit', () => {
    const r = runGuest('samples/irqs/irqs.elf');
    const irqs = r.vm.stats.report().interrupts!;
    assert.equal(irqs.controller, 'plic');
    assert.deepEqual([irqs.external, irqs.ipis], [88, 100], '88 UART interrupts and 100 IPIs, as the guest counts them');
    assert.equal(mmioBy(r).plic, 3 + 2 * 88, '3 writes of setup, then a claim and a complete per interrupt');
    assert.equal(sbiBy(r)['IPI.send_ipi'], 100);
    assert.equal(irqs.controllerExitsPerInterrupt.toFixed(2), (179 / 188).toFixed(2));
  });

  it('AIA: no exit per interrupt: the APLIC is touched only by its 4 setup writes, no SBI IPI, claims are CSR accesses', () => {
    const r = runGuest('samples/irqs/irqs.elf', 1, undefined, { aia: true });
    const irqs = r.vm.stats.report().interrupts!;
    assert.equal(irqs.controller, 'aia');
    assert.equal(irqs.external, 188, '88 MSIs from the APLIC and 100 IPIs the guest stored to its own IMSIC page');
    assert.equal(irqs.ipis, 0);
    assert.equal(mmioBy(r).aplic, 4);
    assert.equal(mmioBy(r).plic, undefined);
    assert.equal(sbiBy(r)['IPI.send_ipi'], undefined);
    assert.equal(r.vm.aia!.msisDropped, 0);
    // What is left per interrupt is the device's own registers (IIR, THR: 2 UART exits per
    // THR-empty interrupt), which AIA does not change.
    const plic = runGuest('samples/irqs/irqs.elf').vm.stats.report().interrupts!;
    const controller = (x: typeof irqs) => x.controllerExits - (x.controller === 'plic' ? 3 : 4); // less setup
    const perInterrupt = (x: typeof irqs, ipiExits: number) => (controller(x) + ipiExits) / x.delivered;
    assert.equal(perInterrupt(irqs, 0), 0, 'AIA: interrupt-delivery exits per interrupt');
    assert.equal(perInterrupt(plic, 100).toFixed(2), ((176 + 100) / 188).toFixed(2), 'PLIC: 1.47 per interrupt');
    assert.ok(irqs.exitsPerInterrupt < plic.exitsPerInterrupt / 2, `${irqs.exitsPerInterrupt} vs ${plic.exitsPerInterrupt}`);
  });

  it('the same exits with translated code and without (--no-jit)', () => {
    const counts = (jit: boolean) => runGuest('samples/irqs/irqs.elf', 1, undefined, { aia: true, jit }).vm.stats.report()
      .reasons.filter((row) => row.key !== 'interrupt').map((row) => `${row.key}=${row.samples}`).join(' ');
    assert.equal(counts(true), counts(false));
  });

  it('a vCPU blocked in WFI is woken by an MSI into its guest file (SGEI), with no exit for the claim', () => {
    // siselect=0x70, sireg=1 (eidelivery); siselect=0xc0, sireg=1<<10 (eie: identity 10);
    // csrs sie, SEIE; wfi; csrrw s1, stopei, zero; SBI SRST shutdown (a7 "SRST", a6 0, a0 0, a1 0)
    const words = [0x07000293, 0x15029073, 0x00100293, 0x15129073, 0x0c000293, 0x15029073, 0x40000293, 0x15129073,
      0x20000293, 0x1042a073, 0x10500073, 0x15c014f3, 0x535258b7, 0x3548889b, 0x00000813, 0x00000513, 0x00000593, 0x00000073];
    const kernel = new Uint8Array(words.length * 4);
    words.forEach((w, i) => new DataView(kernel.buffer).setUint32(4 * i, w, true));
    const { vm } = bootVirt({ kernel, rawKernel: true, vcpus: 1, memory: 16 * 1024 * 1024, clock: 'icount', console: () => {}, aia: true });
    assert.deepEqual(vm.runFor(1_000_000), { kind: 'idle' }, 'blocked in WFI, no timer');
    assert.equal(vm.vcpus[0].state, 'blocked');
    // Source 5 routed as the guest's driver would: Edge1, to hart 0 with identity 10, enabled, IE.
    const aplic = vm.aia!.aplic;
    aplic.write(4 * 5, 4, 4);
    aplic.write(0x3000 + 4 * 5, 4, 10);
    aplic.write(0x1edc, 4, 5);
    aplic.write(0, 4, 1 << 8);
    vm.irqSource(5).set(true);
    assert.equal(vm.vcpus[0].state, 'runnable', 'woken at once by SGEI');
    assert.equal(vm.aia!.sgeiWakeups, 1);
    assert.deepEqual(vm.runFor(1_000_000), { kind: 'shutdown', failure: false });
    assert.equal(vm.vcpus[0].hart.x[9 * 2], (10 << 16) | 10, 'stopei read identity 10');
    const reasons = Object.fromEntries(vm.stats.report().reasons.filter((r) => r.samples > 0).map((r) => [r.key, r.samples]));
    for (const k of Object.keys(reasons)) assert.ok(['guest-page-fault', 'sbi', 'wfi', 'interrupt'].includes(k), `exit ${k}`);
    assert.equal(reasons.wfi, 1);
    assert.equal(reasons.mmio, undefined, 'no MMIO exit at all');
  });

  for (const name of ['hello', 'paging', 'timer', 'cvars']) {
    it(`${name} prints the same on the AIA board (it uses no interrupt controller registers)`, () => {
      const r = runGuest(`samples/${name}/${name}.elf`, 1, undefined, { aia: true });
      assert.deepEqual(r.stop, { kind: 'shutdown', failure: false });
      assert.equal(comparable(r.output), expected(name, 'expected.txt'));
    });
  }

  for (const harts of [1, 2, 4]) {
    it(`smp on ${harts} vCPUs with AIA: HSM and SBI IPIs work beside the guest interrupt files`, () => {
      const r = runGuest('samples/smp/smp.elf', harts, undefined, { aia: true });
      assert.deepEqual(r.stop, { kind: 'shutdown', failure: false });
      assert.equal(comparable(r.output), expected('smp', `expected-smp${harts}.txt`));
    });
  }

  it('an IPI from one vCPU to another is a store to the target IMSIC page: no exit to send it, SGEI wakes the target', () => {
    // vCPU 0: SBI HSM hart_start(1, secondary); wait for `ready`; sw 1 -> 0x28001000 (vCPU 1's
    // seteipnum_le, identity 1); wait for `done`; SBI SRST shutdown.
    // vCPU 1 (secondary): eidelivery = 1, eie bit 1, sie.SEIE; ready = 1; wfi until stopei != 0;
    // csrrw s1, stopei, zero; done = 1; wfi forever. (riscv64-unknown-elf-gcc, objcopy -O binary.)
    const words = [0x004858b7, 0x34d8889b, 0x00000813, 0x00100513, 0x00000597, 0x05458593, 0x00000613, 0x00000073,
      0x00000297, 0x0a028293, 0x0002a303, 0xfe030ae3, 0x280012b7, 0x00100313, 0x0062a023, 0x00000297, 0x08828293,
      0x0002a303, 0xfe030ae3, 0x535258b7, 0x3548889b, 0x00000813, 0x00000513, 0x00000593, 0x00000073, 0x07000293,
      0x15029073, 0x00100293, 0x15129073, 0x0c000293, 0x15029073, 0x00200293, 0x15129073, 0x20000293, 0x1042a073,
      0x00000297, 0x03428293, 0x00100313, 0x0062a023, 0x10500073, 0x15c023f3, 0xfe038ce3, 0x15c014f3, 0x00000297,
      0x01828293, 0x0062a023, 0x10500073, 0xffdff06f, 0x00000000, 0x00000000, 0x00000000];
    const kernel = new Uint8Array(words.length * 4);
    words.forEach((w, i) => new DataView(kernel.buffer).setUint32(4 * i, w, true));
    const { vm } = bootVirt({ kernel, rawKernel: true, vcpus: 2, memory: 16 * 1024 * 1024, clock: 'icount', console: () => {}, aia: true });
    let stop = null;
    for (let i = 0; i < 20 && (stop === null || stop.kind === 'idle'); i++) stop = vm.runFor(1_000_000);
    assert.deepEqual(stop, { kind: 'shutdown', failure: false });
    assert.equal(vm.vcpus[1].hart.x[9 * 2], (1 << 16) | 1, 'vCPU 1 claimed identity 1');
    assert.equal(vm.aia!.sgeiWakeups, 1, 'vCPU 1 was blocked in WFI and woken by SGEI');
    const report = vm.stats.report();
    assert.deepEqual(report.mmio, [], 'the IPI store is not an MMIO exit');
    assert.deepEqual(report.sbi.map((r) => r.key).sort(), ['HSM.hart_start', 'SRST.system_reset']);
    assert.equal(report.interrupts!.external, 1);
  });
});
