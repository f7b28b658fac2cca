/**
 * `--net` / `--nic` and `--hostfwd` of `hyperscope run`, spelt as QEMU's `-nic`:
 *
 *   --net user[,hostfwd=tcp:127.0.0.1:HOSTPORT-:GUESTPORT]...[,mac=52:54:00:12:34:56]
 *   --hostfwd tcp:127.0.0.1:HOSTPORT-:GUESTPORT     (the same rule; implies --net user)
 *
 * One virtio-net device on a switch of its own with the user-mode gateway (10.0.2.2, DHCP
 * from 10.0.2.15); net/net-config.ts does the work, this file turns its errors into usage errors.
 */
import type { HostForward } from '../net/user/hostfwd';
import { NetConfigError, openNetwork as open, parseForward, parseNetSpec, type NetOptions, type VmNetwork } from '../net/net-config';
import { UsageError } from './args';

export type { NetOptions } from '../net/net-config';
/** A run's network. */
export type RunNetwork = VmNetwork;

function usage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof NetConfigError) throw new UsageError(e.message);
    throw e;
  }
}

/** Parses the value of --net. */
export function parseNetOption(text: string): NetOptions {
  return usage(() => parseNetSpec(text));
}

/** Parses a --hostfwd rule. */
export function parseRule(text: string): HostForward {
  return usage(() => parseForward(text));
}

/** Sets up the network; a hostfwd port that cannot be had is a UsageError. */
export async function openNetwork(net: NetOptions): Promise<RunNetwork> {
  try {
    return await open(net);
  } catch (e) {
    if (e instanceof NetConfigError) throw new UsageError(e.message);
    throw e;
  }
}
