/**
 * Host forwarding rules as QEMU's `-netdev user,hostfwd=` spells them
 * (`tcp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT`, docs/system/invocation "hostfwd"). Only
 * TCP, and only a host address of 127.0.0.1 (or none, which means 127.0.0.1 here, not QEMU's
 * any address): nothing listens outside the host's loopback. The guest address defaults to
 * the first DHCP address, 10.0.2.15, as in QEMU.
 */
import { parseIp } from '../ipv4';

/** One rule. */
export interface HostForward {
  protocol: 'tcp';
  /** Host port on 127.0.0.1 (0: any free port, reported by `UserNet.boundPorts`). */
  hostPort: number;
  /** Guest address (dotted quad). */
  guestAddr: string;
  guestPort: number;
}

/** A bad rule. */
export class HostForwardError extends Error {}

/** Parses "tcp:127.0.0.1:8080-:80" or "tcp::8080-10.0.2.15:80". */
export function parseHostForward(text: string): HostForward {
  const m = /^(tcp|udp):([^:]*):(\d{1,5})-([^:]*):(\d{1,5})$/.exec(text.trim());
  if (!m) throw new HostForwardError(`hostfwd '${text}' is not tcp:127.0.0.1:HOSTPORT-:GUESTPORT`);
  const [, proto, hostAddr, hp, guestAddr, gp] = m;
  if (proto !== 'tcp') throw new HostForwardError(`hostfwd '${text}': only tcp is forwarded`);
  if (hostAddr !== '' && hostAddr !== '127.0.0.1' && hostAddr !== 'localhost') {
    throw new HostForwardError(`hostfwd '${text}': the host address must be 127.0.0.1 (nothing listens outside loopback)`);
  }
  const hostPort = Number(hp);
  const guestPort = Number(gp);
  if (hostPort > 65535 || guestPort < 1 || guestPort > 65535) throw new HostForwardError(`hostfwd '${text}': ports are 1 to 65535 (host port 0: any free one)`);
  const guest = guestAddr === '' ? '10.0.2.15' : guestAddr;
  try {
    parseIp(guest);
  } catch {
    throw new HostForwardError(`hostfwd '${text}': '${guestAddr}' is not an IPv4 address`);
  }
  return { protocol: 'tcp', hostPort, guestAddr: guest, guestPort };
}
