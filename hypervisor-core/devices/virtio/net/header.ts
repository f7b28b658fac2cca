/**
 * struct virtio_net_hdr (virtio 1.2 section 5.1.6), in front of every packet on both queues.
 * With VIRTIO_F_VERSION_1 it is always 12 bytes (num_buffers is present, section 5.1.6.1):
 *
 *   +0 u8 flags        NEEDS_CSUM 1, DATA_VALID 2, RSC_INFO 4
 *   +1 u8 gso_type     NONE 0, TCPV4 1, UDP 3, TCPV6 4, ECN 0x80
 *   +2 le16 hdr_len    +4 le16 gso_size
 *   +6 le16 csum_start +8 le16 csum_offset
 *   +10 le16 num_buffers  (receive, with VIRTIO_NET_F_MRG_RXBUF: buffers the packet spans)
 */
import { finishChecksum, sumWords } from '../../../net/checksum';

/** Bytes of the header (VERSION_1 layout). */
export const NET_HDR_SIZE = 12;
/** flags: the driver left the checksum from csum_start to the device (VIRTIO_NET_F_CSUM). */
export const VIRTIO_NET_HDR_F_NEEDS_CSUM = 1;
/** flags: the checksum was already validated. */
export const VIRTIO_NET_HDR_F_DATA_VALID = 2;
/** gso_type: no segmentation offload. */
export const VIRTIO_NET_HDR_GSO_NONE = 0;

/** The fields of a transmit header the device acts on. */
export interface NetHeader {
  flags: number;
  gsoType: number;
  csumStart: number;
  csumOffset: number;
}

/** Reads a header from its 12 bytes. */
export function parseNetHeader(b: Uint8Array): NetHeader {
  return { flags: b[0], gsoType: b[1], csumStart: b[6] | (b[7] << 8), csumOffset: b[8] | (b[9] << 8) };
}

/** A receive header: no offload flags, `numBuffers` buffers (section 5.1.6.4). */
export function receiveHeader(numBuffers: number): Uint8Array {
  const h = new Uint8Array(NET_HDR_SIZE);
  h[10] = numBuffers & 0xff;
  h[11] = numBuffers >> 8;
  return h;
}

/**
 * Completes a partial checksum as the device must for NEEDS_CSUM (section 5.1.6.2: the
 * checksum "from csum_start to the end of the packet ... placed at csum_start + csum_offset";
 * the driver stored the pseudo-header sum there). A result of 0 is sent as 0xffff, the same
 * value in ones' complement, as Linux's skb_checksum_help does (a UDP checksum of 0 would mean
 * "none"). Returns false when the offsets do not lie inside the frame.
 */
export function completeChecksum(frame: Uint8Array, csumStart: number, csumOffset: number): boolean {
  const at = csumStart + csumOffset;
  if (csumStart >= frame.length || at + 2 > frame.length) return false;
  const sum = finishChecksum(sumWords(frame, csumStart, frame.length)) || 0xffff;
  frame[at] = sum >> 8;
  frame[at + 1] = sum & 0xff;
  return true;
}
