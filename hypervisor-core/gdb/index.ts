/**
 * The gdb remote stub: a client of the debug facade (../debug) as the DAP adapter is. The
 * server (127.0.0.1, one gdb at a time) owns a session per connection; the session frames
 * packets (packet-codec) and hands them to the dispatcher, which answers over the facade.
 */
export { GdbServer } from './server';
export type { GdbServerEvents } from './server';
export { GdbSession } from './session';
export type { SessionHost } from './session';
export { GdbDispatcher } from './dispatcher';
export type { Action } from './dispatcher';
export { checksum, decodeBody, encodePacket, escapeBinary, fromHex, MAX_PACKET, RspDecoder, runLengthEncode, toHex } from './packet-codec';
export type { RspEvent } from './packet-codec';
export { targetAnnex } from './target-description';
