import { strict as assert } from 'node:assert';
import { formatExitRecord } from '../../../../hypervisor-core/hypervisor/trace/format';

const base = { seq: 41, vcpu: 0, pc: 0x80200010n, scause: 10n, stval: 0n, htval: 0n, htinst: 0n, ns: 1200 };

describe('formatExitRecord', () => {
  it('formats an SBI exit with its call and result', () => {
    assert.equal(
      formatExitRecord({ ...base, reason: 'sbi', sbi: { eid: 0x4442434e, fid: 0, name: 'DBCN.console_write', args: [5n, 0x80201000n, 0n], error: 0, value: 5n } }),
      '#41 vcpu0 sbi pc=0x80200010 DBCN.console_write(0x5, 0x80201000, 0x0) -> 0, 0x5 1.20us',
    );
  });

  it('formats an MMIO exit', () => {
    assert.equal(
      formatExitRecord({ ...base, seq: 42, vcpu: 1, reason: 'mmio', ns: 800, mmio: { device: 'uart0', address: 0x10000000n, size: 1, write: true, value: 0x41n } }),
      '#42 vcpu1 mmio pc=0x80200010 uart0 write 1 @0x10000000 = 0x41 0.80us',
    );
  });

  it('formats a guest page fault with htval, htinst, gpa and a note', () => {
    assert.equal(
      formatExitRecord({ ...base, seq: 43, reason: 'guest-page-fault', scause: 23n, stval: 0x80400000n, htval: 0x20100000n, htinst: 0x3023n, gpa: 0x80400000n, ns: 2100, note: 'mapped page' }),
      '#43 vcpu0 guest-page-fault pc=0x80200010 scause=0x17 stval=0x80400000 htval=0x20100000 htinst=0x3023 gpa=0x80400000 2.10us (mapped page)',
    );
  });
});
