/** Shared helpers of the SBI tests. */
import { SbiDispatcher } from '../../../../hypervisor-core/hypervisor/sbi/dispatcher';
import { SbiResult } from '../../../../hypervisor-core/hypervisor/sbi/sbi-host';
import { FakeHost } from './fake-host';

export const ALL_ONES = (1n << 64n) - 1n;

/** A dispatcher over a fresh fake host. */
export function setup(harts = 4): { host: FakeHost; sbi: SbiDispatcher; call: (eid: number, fid: number, ...args: bigint[]) => SbiResult; callOn: (hart: number, eid: number, fid: number, ...args: bigint[]) => SbiResult } {
  const host = new FakeHost(harts);
  const sbi = new SbiDispatcher(host);
  const callOn = (hartId: number, eid: number, fid: number, ...args: bigint[]) => sbi.handle({ hartId, eid, fid, args });
  return { host, sbi, call: (eid, fid, ...args) => callOn(0, eid, fid, ...args), callOn };
}
