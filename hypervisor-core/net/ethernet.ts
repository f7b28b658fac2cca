/**
 * Ethernet II frames as the virtual network carries them (IEEE 802.3 clause 3, without the
 * preamble and the FCS, as a NIC hands them to its driver):
 *
 *   +0  destination MAC (6)   +6  source MAC (6)   +12  EtherType (be16)   +14  payload
 *
 * A MAC whose first octet has bit 0 set is a group (multicast) address; ff:ff:ff:ff:ff:ff is
 * the broadcast address. A frame is at least the 14-byte header and at most MAX_FRAME bytes:
 * a 1500-byte payload plus the header and an 802.1Q tag.
 */

/** A MAC address: 6 bytes. */
export type Mac = Uint8Array;

/** Bytes of the Ethernet header. */
export const ETH_HEADER = 14;
/** The default MTU (largest payload), as QEMU's virtio-net and Linux's default. */
export const DEFAULT_MTU = 1500;
/** Largest frame carried: MTU + header + an 802.1Q tag (4). */
export const MAX_FRAME = DEFAULT_MTU + ETH_HEADER + 4;

/** EtherTypes used by the user-mode network. */
export const EtherType = { IPV4: 0x0800, ARP: 0x0806 } as const;

/** The broadcast address. */
export const BROADCAST_MAC: Mac = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);

/** A bad MAC address text. */
export class MacFormatError extends Error {}

/** Parses "52:54:00:12:34:56" (also with '-'); throws MacFormatError. */
export function parseMac(text: string): Mac {
  const parts = text.trim().split(/[:-]/);
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p))) {
    throw new MacFormatError(`'${text}' is not a MAC address (six hex octets, e.g. 52:54:00:12:34:56)`);
  }
  const mac = Uint8Array.from(parts.map((p) => parseInt(p, 16)));
  if (mac[0] & 1) throw new MacFormatError(`'${text}' is a multicast address, not one a NIC can have`);
  return mac;
}

/** Formats a MAC as lower-case hex octets joined by ':'. */
export function formatMac(mac: Mac): string {
  return [...mac.subarray(0, 6)].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** The MAC as a number (a map key). */
export function macKey(mac: Uint8Array, at = 0): number {
  return ((mac[at] * 256 + mac[at + 1]) * 256 + mac[at + 2]) * 16777216 + ((mac[at + 3] << 16) | (mac[at + 4] << 8) | mac[at + 5]);
}

/** Whether the 6 bytes at `at` are a group (multicast or broadcast) address. */
export function isGroupMac(frame: Uint8Array, at = 0): boolean {
  return (frame[at] & 1) === 1;
}

/** QEMU's first NIC MAC (net/net.c qemu_macaddr_default_if_unset: 52:54:00:12:34:56, then +1). */
export function defaultMac(index: number): Mac {
  const mac = Uint8Array.of(0x52, 0x54, 0x00, 0x12, 0x34, 0x56);
  const low = 0x3456 + index;
  mac[4] = (low >> 8) & 0xff;
  mac[5] = low & 0xff;
  return mac;
}

/** Builds a frame: header then payload. */
export function ethernetFrame(dst: Mac, src: Mac, type: number, payload: Uint8Array): Uint8Array {
  const f = new Uint8Array(ETH_HEADER + payload.length);
  f.set(dst.subarray(0, 6), 0);
  f.set(src.subarray(0, 6), 6);
  f[12] = type >> 8;
  f[13] = type & 0xff;
  f.set(payload, ETH_HEADER);
  return f;
}

/** The EtherType of a frame. */
export function etherType(frame: Uint8Array): number {
  return (frame[12] << 8) | frame[13];
}
