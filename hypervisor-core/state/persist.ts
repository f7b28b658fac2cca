/**
 * Saved state, the interface every part of a VM that has state implements next to itself
 * (Firecracker's `persist.rs`: each device's `save` and `restore` beside the device).
 *
 * A saved state is plain JSON data: numbers, strings, booleans, arrays and objects. 64-bit
 * values that do not fit a double go as decimal strings (`bigText`), byte arrays as base64
 * (`bytesText`), int32 arrays as number arrays. The snapshot file (snapshot-file.ts) wraps the
 * whole VM's state with its memory, a version and a checksum; a part's `restore` may assume
 * the state came from its own `save` of the same file version and the same configuration
 * (the file's checks refuse anything else before any `restore` runs).
 */

/** A saved state: JSON data. */
export type Saved = null | boolean | number | string | Saved[] | { [key: string]: Saved };

/** A part of the VM whose state can be saved and put back. */
export interface Persistent<S extends Saved = Saved> {
  /** The state now, as data that survives JSON (no references into the live object). */
  save(): S;
  /**
   * Puts back a state `save` returned, on an object built with the same configuration. Caches
   * derived from the state (TLBs, translated blocks, decoded fields) are rebuilt or flushed.
   */
  restore(state: S): void;
}

/** A bigint as a decimal string (JSON has no 64-bit integers). */
export function bigText(v: bigint): string {
  return v.toString();
}

/** The bigint of `bigText`; a malformed value is a corrupt state. */
export function textBig(s: Saved): bigint {
  if (typeof s !== 'string' || !/^-?\d+$/.test(s)) throw new StateError(`expected an integer, found ${JSON.stringify(s)}`);
  return BigInt(s);
}

/** Bytes as base64. */
export function bytesText(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}

/** The bytes of `bytesText`. */
export function textBytes(s: Saved): Uint8Array {
  if (typeof s !== 'string') throw new StateError('expected base64 bytes');
  return new Uint8Array(Buffer.from(s, 'base64'));
}

/** Copies a saved number array into `into` (which keeps its length: a saved one of another length is corrupt). */
export function fillArray(into: { length: number; [i: number]: number }, s: Saved, what: string): void {
  if (!Array.isArray(s) || s.length !== into.length) throw new StateError(`${what}: expected ${into.length} values`);
  for (let i = 0; i < s.length; i++) into[i] = num(s[i], what);
}

/** A saved number (a finite double). */
export function num(s: Saved | undefined, what: string): number {
  if (typeof s !== 'number' || !Number.isFinite(s)) throw new StateError(`${what}: expected a number`);
  return s;
}

/** A saved object's fields. */
export function obj(s: Saved | undefined, what: string): { [key: string]: Saved } {
  if (s === null || typeof s !== 'object' || Array.isArray(s)) throw new StateError(`${what}: expected an object`);
  return s;
}

/** A saved array. */
export function arr(s: Saved | undefined, what: string): Saved[] {
  if (!Array.isArray(s)) throw new StateError(`${what}: expected an array`);
  return s;
}

/** A state that does not fit what restores it (a damaged or foreign snapshot). */
export class StateError extends Error {}
