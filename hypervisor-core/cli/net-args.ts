/**
 * `--net` / `--nic` and `--hostfwd` of `hyperscope run`, spelt as QEMU's `-nic`:
 *
 *   --net user[,hostfwd=tcp:127.0.0.1:HOSTPORT-:GUESTPORT]...[,mac=52:54:00:12:34:56]
 *   --hostfwd tcp:127.0.0.1:HOSTPORT-:GUESTPORT     (the same rule; implies --net user)
 *
 * One virtio-net device on a switch of its own with the user-mode gateway (10.0.2.2, DHCP
 * from 10.0.2.15).
 */
import { MacFormatError, defaultMac, parseMac } from '../net/ethernet';
import { VirtualSwitch } from '../net/switch';
import { HostForwardError, parseHostForward, type HostForward } from '../net/user/hostfwd';
import { UserNet } from '../net/user/user-net';
import { VirtioNet } from '../devices/virtio/net/device';
import { UsageError } from './args';

/** The network of a run. */
export interface NetOptions {
  kind: 'user';
  hostfwd: HostForward[];
  /** The NIC's MAC (default QEMU's 52:54:00:12:34:56). */
  mac?: string;
}

/** Parses the value of --net. */
export function parseNetOption(text: string): NetOptions {
  const [kind, ...params] = text.split(',');
  if (kind !== 'user') throw new UsageError(`--net takes user[,hostfwd=...][,mac=...], not '${text}'`);
  const net: NetOptions = { kind: 'user', hostfwd: [] };
  for (const p of params) {
    const eq = p.indexOf('=');
    const [key, value] = eq > 0 ? [p.slice(0, eq), p.slice(eq + 1)] : [p, ''];
    if (key === 'hostfwd') net.hostfwd.push(parseRule(value));
    else if (key === 'mac') net.mac = checkMac(value);
    else throw new UsageError(`--net user: unknown parameter '${p}' (hostfwd=, mac=)`);
  }
  return net;
}

/** Parses a --hostfwd rule. */
export function parseRule(text: string): HostForward {
  try {
    return parseHostForward(text);
  } catch (e) {
    if (e instanceof HostForwardError) throw new UsageError(e.message);
    throw e;
  }
}

function checkMac(text: string): string {
  try {
    parseMac(text);
    return text;
  } catch (e) {
    if (e instanceof MacFormatError) throw new UsageError(`--net mac=: ${e.message}`);
    throw e;
  }
}

/** A run's network: the switch with its gateway; a fresh NIC for each boot. */
export interface RunNetwork {
  /** A NIC on the switch, for a new boot (the previous boot's leaves the switch). */
  nic(): VirtioNet;
  /** The host ports the hostfwd rules listen on, in rule order. */
  readonly hostPorts: number[];
  /** Stops listening and resets the gateway's connections. */
  close(): void;
}

/** Sets up the network of `net`; a hostfwd port that cannot be had is a UsageError. */
export async function openNetwork(net: NetOptions): Promise<RunNetwork> {
  const sw = new VirtualSwitch('user');
  const user = new UserNet(net.hostfwd);
  user.connect(sw);
  let hostPorts: number[];
  try {
    hostPorts = await user.listen();
  } catch (e) {
    user.close();
    throw new UsageError((e as Error).message);
  }
  const mac = net.mac !== undefined ? parseMac(net.mac) : defaultMac(0);
  let current: VirtioNet | null = null;
  return {
    hostPorts,
    nic() {
      current?.switchPort?.detach();
      current = new VirtioNet({ mac, name: 'virtio-net0' });
      current.connect(sw);
      return current;
    },
    close() {
      user.close();
    },
  };
}
