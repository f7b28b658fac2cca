/** Exit attribution: per reason, the guest pcs of the exits, in bounded tables. */
import { strict as assert } from 'node:assert';
import { DEFAULT_TOP_SITES, ExitSites, SITES_PER_REASON } from '../../../../hypervisor-core/hypervisor/stats/exit-sites';
import { ExitStats } from '../../../../hypervisor-core/hypervisor/stats/exit-stats';

describe('ExitSites', () => {
  it('counts exits per reason and pc, most exits first, pcs as unsigned 64-bit hex', () => {
    const s = new ExitSites();
    for (let i = 0; i < 3; i++) s.record('mmio', 0x802001d0, 0);
    s.record('mmio', 0x802000ea, 0);
    s.record('sbi', 0x802009d2, 0);
    // A Linux kernel address, 0xffffffff80001234, as the hart keeps it: two signed 32-bit words.
    s.record('sbi', 0x80001234 | 0, -1);
    s.record('sbi', 0x80001234 | 0, -1);
    const r = s.report();
    assert.deepEqual(r.map((a) => [a.reason, a.samples, a.other]), [['mmio', 4, 0], ['sbi', 3, 0]]);
    assert.deepEqual(r[0].sites, [{ pc: '0x802001d0', count: 3 }, { pc: '0x802000ea', count: 1 }]);
    assert.deepEqual(r[1].sites, [{ pc: '0xffffffff80001234', count: 2 }, { pc: '0x802009d2', count: 1 }]);
  });

  it('lists the top sites only; ties in pc order', () => {
    const s = new ExitSites();
    for (let i = 0; i < DEFAULT_TOP_SITES + 5; i++) s.record('wfi', 0x80000000 + 4 * i, 0);
    const [a] = s.report();
    assert.equal(a.sites.length, DEFAULT_TOP_SITES);
    assert.equal(a.sites[0].pc, '0x80000000');
    assert.equal(s.report(3)[0].sites.length, 3);
  });

  it('keeps at most SITES_PER_REASON pcs per reason: exits at further pcs count as other', () => {
    const s = new ExitSites();
    const pcs = SITES_PER_REASON + 36;
    for (let i = 0; i < pcs; i++) s.record('guest-page-fault', 0x80200000 + 2 * i, 0);
    for (let i = 0; i < 10; i++) s.record('guest-page-fault', 0x80200000, 0); // still counted at its site
    const [a] = s.report(1000);
    assert.equal(a.samples, pcs + 10);
    assert.equal(a.sites.length, SITES_PER_REASON);
    assert.equal(a.other, 36);
    assert.equal(a.sites.reduce((n, x) => n + x.count, 0) + a.other, a.samples);
    assert.deepEqual(a.sites[0], { pc: '0x80200000', count: 11 });
  });

  it('is part of the exit-statistics report and reset with it', () => {
    const st = new ExitStats(1, 'icount');
    st.sites.record('sbi', 0x80200010, 0);
    assert.equal(st.report().attribution?.[0].sites[0].pc, '0x80200010');
    st.reset();
    assert.deepEqual(st.report().attribution, []);
  });
});
