/**
 * The exit counts under RISC-V KVM's vCPU statistics names. Expected values come from Linux
 * arch/riscv/kvm: which SBI calls `kvm_riscv_vcpu_sbi_forward` sends to user space
 * (vcpu_sbi_v01.c console_putchar/getchar, vcpu_sbi_replace.c DBCN functions 0..2, vcpu_sbi.c
 * the experimental 0x08000000.. and vendor ..0x09FFFFFF ranges), which trap causes
 * `kvm_riscv_vcpu_exit` counts (vcpu_exit.c), and that `exits` counts every return from the guest.
 */
import { strict as assert } from 'node:assert';
import { ExitStats } from '../../../../hypervisor-core/hypervisor/stats/exit-stats';
import { KVM_VCPU_STATS, KvmStats, formatKvmStats, kvmForwardsSbi } from '../../../../hypervisor-core/hypervisor/stats/kvm-stats';

describe('KVM vCPU statistics names', () => {
  it('lists the names of kvm_vcpu_stats_desc in its order', () => {
    assert.deepEqual([...KVM_VCPU_STATS], [
      'ecall_exit_stat', 'wfi_exit_stat', 'wrs_exit_stat', 'mmio_exit_user', 'mmio_exit_kernel',
      'csr_exit_user', 'csr_exit_kernel', 'signal_exits', 'exits', 'instr_illegal_exits',
      'load_misaligned_exits', 'store_misaligned_exits', 'load_access_exits', 'store_access_exits',
    ]);
  });

  it('ecall_exit_stat counts only the SBI calls KVM forwards to user space', () => {
    assert.equal(kvmForwardsSbi(0x01, 0), true, 'legacy console_putchar');
    assert.equal(kvmForwardsSbi(0x02, 0), true, 'legacy console_getchar');
    assert.equal(kvmForwardsSbi(0x00, 0), false, 'legacy set_timer: in the kernel');
    assert.equal(kvmForwardsSbi(0x08, 0), false, 'legacy shutdown: a system event, not a forward');
    for (const fid of [0, 1, 2]) assert.equal(kvmForwardsSbi(0x4442434e, fid), true, `DBCN fid ${fid}`);
    assert.equal(kvmForwardsSbi(0x4442434e, 3), false, 'DBCN unknown function: refused in the kernel');
    assert.equal(kvmForwardsSbi(0x54494d45, 0), false, 'TIME');
    assert.equal(kvmForwardsSbi(0x48534d, 0), false, 'HSM');
    assert.equal(kvmForwardsSbi(0x53525354, 0), false, 'SRST: a system event');
    assert.equal(kvmForwardsSbi(0x10, 3), false, 'BASE');
    assert.equal(kvmForwardsSbi(0x08000000, 0), true, 'first experimental');
    assert.equal(kvmForwardsSbi(0x09ffffff, 0), true, 'last vendor');
    assert.equal(kvmForwardsSbi(0x0a000000, 0), false, 'past the vendor range');
    assert.equal(kvmForwardsSbi(-1, 0), false, 'eid 0xffffffff');
  });

  it('counts each exit in exits and in the one counter KVM has for it', () => {
    const k = new KvmStats(2);
    k.record(0, { reason: 'sbi', eid: 0x4442434e, fid: 0 }, false);
    k.record(0, { reason: 'sbi', eid: 0x54494d45, fid: 0 }, false);
    k.record(1, { reason: 'mmio', access: null, gpa: 0x10000000 }, false);
    k.record(1, { reason: 'mmio', access: null, gpa: 0x10001050 }, true);
    k.record(0, { reason: 'wfi' }, false);
    k.record(0, { reason: 'illegal-instruction', insn: 0 }, false);
    k.record(0, { reason: 'fault-redirect', cause: 4 }, false);
    k.record(0, { reason: 'fault-redirect', cause: 5 }, false);
    k.record(0, { reason: 'fault-redirect', cause: 6 }, false);
    k.record(0, { reason: 'fault-redirect', cause: 7 }, false);
    k.record(0, { reason: 'fault-redirect', cause: 1 }, false); // instruction access fault: no counter
    k.record(1, { reason: 'guest-page-fault', gpa: 0x80000000, access: 'read' }, false);
    k.record(1, { reason: 'virtual-instruction', insn: 0 }, false);
    k.record(1, { reason: 'interrupt' }, false);
    const r = k.report();
    assert.equal(r.total.exits, 14);
    assert.equal(r.perVcpu[0].exits, 9);
    assert.equal(r.perVcpu[1].exits, 5);
    assert.equal(r.total.ecall_exit_stat, 1);
    assert.equal(r.perVcpu[1].mmio_exit_user, 1);
    assert.equal(r.perVcpu[1].mmio_exit_kernel, 1);
    assert.equal(r.total.wfi_exit_stat, 1);
    assert.equal(r.total.instr_illegal_exits, 1);
    assert.deepEqual([r.total.load_misaligned_exits, r.total.load_access_exits, r.total.store_misaligned_exits, r.total.store_access_exits], [1, 1, 1, 1]);
    assert.equal(r.total.csr_exit_user + r.total.csr_exit_kernel + r.total.signal_exits + r.total.wrs_exit_stat, 0);
    k.reset();
    assert.equal(k.report().total.exits, 0);
  });

  it('is part of the exit-statistics report and reset with it', () => {
    const s = new ExitStats(1, 'icount');
    s.record(0, 'wfi', 10);
    s.kvm.record(0, { reason: 'wfi' }, false);
    assert.equal(s.report().kvm?.total.wfi_exit_stat, 1);
    s.reset();
    assert.equal(s.report().kvm?.total.exits, 0);
  });

  it('prints one line per name with the total and, for several vCPUs, a column each', () => {
    const k = new KvmStats(2);
    k.record(1, { reason: 'wfi' }, false);
    const text = formatKvmStats(k.report());
    const lines = text.trimEnd().split('\n');
    assert.match(lines[2], /^Event\s+Total\s+vcpu0\s+vcpu1$/);
    assert.equal(lines.length, 3 + KVM_VCPU_STATS.length);
    assert.match(text, /^wfi_exit_stat\s+1\s+0\s+1$/m);
    assert.match(text, /^exits\s+1\s+0\s+1$/m);
  });
});
