/**
 * Checking what a client sends: every request's arguments come from outside (any DAP client,
 * not only VS Code), so each field is checked for type and range before use, and every
 * problem becomes a RequestError whose message is one line for the error response.
 */

/** A bad request (one line, shown to the client as is). */
export class RequestError extends Error {}

/** The arguments object of a request (any DAP arguments type; fields are read as unknown). */
export type Args = object;

/** A field of an arguments object, as the client sent it. */
export function field(args: Args, name: string): unknown {
  return (args as Record<string, unknown>)[name];
}

/** The longest message an error response carries. */
export const MAX_MESSAGE_LENGTH = 300;

/** A value as the client wrote it, short. */
export function shown(v: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 40 ? s.slice(0, 37) + '...' : s;
}

/**
 * The one line an error response carries for `e`: the first non-empty line of its message
 * (never a stack), at most MAX_MESSAGE_LENGTH characters.
 */
export function oneLine(e: unknown): string {
  const raw = e instanceof Error ? e.message : typeof e === 'string' ? e : shown(e);
  const line = raw.split(/\r?\n/).map((s) => s.trim()).find((s) => s.length > 0) ?? 'internal error';
  return line.length > MAX_MESSAGE_LENGTH ? line.slice(0, MAX_MESSAGE_LENGTH - 3) + '...' : line;
}

/** An integer argument from `min` to `max`; `fallback` when absent (required when there is none). */
export function intArg(args: Args, name: string, min: number, max: number, fallback?: number): number {
  const v = field(args, name);
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new RequestError(`${name} must be an integer from ${min} to ${max}, not ${v === undefined ? 'missing' : shown(v)}`);
  }
  return v;
}

/** A string argument of at most `maxLength` characters; `fallback` when absent (required when there is none). */
export function strArg(args: Args, name: string, maxLength: number, fallback?: string): string {
  const v = field(args, name);
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'string') throw new RequestError(`${name} must be a string, not ${v === undefined ? 'missing' : shown(v)}`);
  if (v.length > maxLength) throw new RequestError(`${name} is too long (${v.length} characters, at most ${maxLength})`);
  return v;
}

/** An optional string argument (condition, hitCondition...). */
export function optStrArg(args: Args, name: string, maxLength: number): string | undefined {
  return field(args, name) === undefined ? undefined : strArg(args, name, maxLength);
}

/** A list argument of at most `maxItems` entries; `[]` when absent and `optional`. */
export function listArg(args: Args, name: string, maxItems: number, optional = false): unknown[] {
  const v = field(args, name);
  if (v === undefined && optional) return [];
  if (!Array.isArray(v)) throw new RequestError(`${name} must be a list, not ${v === undefined ? 'missing' : shown(v)}`);
  if (v.length > maxItems) throw new RequestError(`${name} has ${v.length} entries, at most ${maxItems}`);
  return v;
}

/** An object argument (or an entry of a list). */
export function objArg(v: unknown, name: string): Args {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new RequestError(`${name} must be an object, not ${v === undefined ? 'missing' : shown(v)}`);
  return v as Args;
}

/** A list of objects (breakpoints, filter options). */
export function objListArg(args: Args, name: string, maxItems: number, optional = false): Args[] {
  return listArg(args, name, maxItems, optional).map((v, i) => objArg(v, `${name}[${i}]`));
}
