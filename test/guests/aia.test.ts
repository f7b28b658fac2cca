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
});
