/**
 * The Internet checksum (RFC 1071): the ones' complement of the ones' complement sum of
 * 16-bit big-endian words. Used for IPv4, ICMP, UDP and TCP headers and for virtio-net's
 * checksum offload (virtio 1.2 section 5.1.6.2: VIRTIO_NET_HDR_F_NEEDS_CSUM).
 */

/** Adds bytes [start, end) to a running 32-bit sum (an odd last byte is padded with zero). */
export function sumWords(data: Uint8Array, start: number, end: number, sum = 0): number {
  let i = start;
  for (; i + 1 < end; i += 2) sum += (data[i] << 8) | data[i + 1];
  if (i < end) sum += data[i] << 8;
  // Fold often enough that the sum stays a small integer.
  return (sum & 0xffff) + Math.floor(sum / 65536);
}

/** Folds a running sum to 16 bits and complements it. */
export function finishChecksum(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 65536);
  return ~sum & 0xffff;
}

/** The checksum of bytes [start, end). */
export function checksum(data: Uint8Array, start = 0, end = data.length): number {
  return finishChecksum(sumWords(data, start, end));
}

/** The sum of the IPv4 pseudo-header (RFC 793 section 3.1, RFC 768) for a TCP or UDP segment. */
export function pseudoHeaderSum(src: Uint8Array, dst: Uint8Array, protocol: number, length: number): number {
  return sumWords(src, 0, 4) + sumWords(dst, 0, 4) + protocol + length;
}
