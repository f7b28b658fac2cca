/** A small deterministic ExitStats used by the table and CSV tests. */
import { ExitStats } from '../../../../hypervisor-core/hypervisor/stats/exit-stats';

export function sampleStats(): ExitStats {
  const s = new ExitStats(2, 'icount');
  s.recordSbi(0, 1200, 'DBCN.console_write');
  s.recordSbi(0, 800, 'DBCN.console_write');
  s.recordSbi(1, 3000, 'legacy.console_putchar');
  s.recordMmio(0, 500, 'uart0');
  s.recordMmio(1, 1500, 'uart0');
  s.recordMmio(1, 250, 'plic');
  s.record(1, 'wfi', 10000);
  s.addGuestTime(0, 1000000, 2500000);
  s.addGuestTime(1, 500000, 1000000);
  return s;
}
