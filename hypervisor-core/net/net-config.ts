/**
 * A VM's network as the command line (`--net`, `--hostfwd`) and the launch configuration
 * (`net`) describe it, spelt as QEMU's `-nic user,...`, and its setup: a switch of its own
 * with the user-mode gateway, and a fresh virtio-net device on it for each boot.
 *
 * `switch=NAME` puts the NIC on a named switch that several VMs of `hyperscope serve` share
 * instead (serve/net-relay.ts); a run of one VM has nobody to share it with and refuses it.
 */
import { MacFormatError, defaultMac, parseMac } from './ethernet';
import { VirtualSwitch } from './switch';
import { HostForwardError, parseHostForward, type HostForward } from './user/hostfwd';
import { UserNet } from './user/user-net';
import { VirtioNet } from '../devices/virtio/net/device';

/** The network of a VM. */
export interface NetOptions {
  /** `user`: a switch of its own with the user-mode gateway; `switch`: a switch shared with other VMs. */
  kind: 'user' | 'switch';
  /** The shared switch's name (kind `switch`). */
  switch?: string;
  /** Inbound forwards (kind `user` only). */
  hostfwd: HostForward[];
  /** The NIC's MAC (default QEMU's 52:54:00:12:34:56; on a shared switch the first of 52:54:00:12:34:56, :57... free there). */
  mac?: string;
}

/** A switch name: as a VM name, letters, digits, '.', '_', '-', at most 64 characters. */
export const SWITCH_NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** A bad network description (one line). */
export class NetConfigError extends Error {}

/** Parses "user[,hostfwd=tcp:127.0.0.1:H-:G]...[,mac=52:54:00:12:34:56]" or "switch=NAME[,mac=...]". */
export function parseNetSpec(text: string, what = '--net'): NetOptions {
  const [kind, ...params] = text.split(',');
  let net: NetOptions;
  if (kind === 'user') {
    net = { kind: 'user', hostfwd: [] };
  } else if (kind.startsWith('switch=')) {
    const name = kind.slice('switch='.length);
    if (!SWITCH_NAME.test(name)) throw new NetConfigError(`${what} switch=NAME: a name of letters, digits, '.', '_', '-' (at most 64), not '${name.slice(0, 80)}'`);
    net = { kind: 'switch', switch: name, hostfwd: [] };
  } else {
    throw new NetConfigError(`${what} takes user[,hostfwd=...][,mac=...] or switch=NAME[,mac=...], not '${text.slice(0, 200)}'`);
  }
  for (const p of params) {
    const eq = p.indexOf('=');
    const [key, value] = eq > 0 ? [p.slice(0, eq), p.slice(eq + 1)] : [p, ''];
    if (key === 'hostfwd' && net.kind === 'user') net.hostfwd.push(parseForward(value));
    else if (key === 'mac') net.mac = checkMac(value, what);
    else if (net.kind === 'switch') throw new NetConfigError(`${what} switch: unknown parameter '${p.slice(0, 80)}' (mac=; hostfwd= needs the user network)`);
    else throw new NetConfigError(`${what} user: unknown parameter '${p.slice(0, 80)}' (hostfwd=, mac=)`);
  }
  return net;
}

/** Parses one hostfwd rule. */
export function parseForward(text: string): HostForward {
  try {
    return parseHostForward(text);
  } catch (e) {
    if (e instanceof HostForwardError) throw new NetConfigError(e.message);
    throw e;
  }
}

function checkMac(text: string, what: string): string {
  try {
    parseMac(text);
    return text;
  } catch (e) {
    if (e instanceof MacFormatError) throw new NetConfigError(`${what} mac=: ${e.message}`);
    throw e;
  }
}

/** A VM's network, set up: the switch with its gateway; a fresh NIC for each boot. */
export interface VmNetwork {
  /** A NIC on the switch, for a new boot (the previous boot's leaves the switch). */
  nic(): VirtioNet;
  /** The host ports the hostfwd rules listen on, in rule order. */
  readonly hostPorts: number[];
  /** Stops listening and resets the gateway's connections. */
  close(): void;
}

/**
 * Sets up the network of `net` at once; the hostfwd listeners start in the background and
 * `listening` resolves with their ports (rejects with NetConfigError when a port cannot be had).
 */
export function createNetwork(net: NetOptions): { network: VmNetwork; listening: Promise<number[]> } {
  if (net.kind !== 'user') throw new NetConfigError(SWITCH_IN_ONE_VM);
  const sw = new VirtualSwitch('user');
  const user = new UserNet(net.hostfwd);
  user.connect(sw);
  const mac = net.mac !== undefined ? parseMac(net.mac) : defaultMac(0);
  let current: VirtioNet | null = null;
  const network = {
    hostPorts: [] as number[],
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
  const listening = user.listen().then((ports) => {
    network.hostPorts.push(...ports);
    return ports;
  }, (e: Error) => {
    user.close();
    throw new NetConfigError(e.message);
  });
  return { network, listening };
}

/** Why a lone VM (hyperscope run, a debug session) refuses `switch=`. */
export const SWITCH_IN_ONE_VM = 'a shared switch (switch=NAME) joins VMs of hyperscope serve: hyperscope vm create NAME KERNEL --net switch=NAME; a single VM takes --net user';

/** Sets up the network of `net` once its hostfwd ports listen; rejects with NetConfigError when one cannot be had. */
export async function openNetwork(net: NetOptions): Promise<VmNetwork> {
  const { network, listening } = createNetwork(net);
  await listening;
  return network;
}
