/**
 * A hart's architectural state as structured-clonable data, to hand a vCPU between its
 * thread and the VM's thread around an exit: every number, boolean and bigint field of the
 * hart, and the register and CSR arrays, FP registers, counters, triggers and trap details.
 * What belongs to one thread stays there: the TLBs, translated code, the walker, hooks.
 */
import type { Hart } from '../../hart/hart';

/** The hart's object fields that are state (typed arrays or plain data). */
const STATE_OBJECTS = ['c', 'x', 'fp', 'counters', 'triggers', 'trap', 'pmpcfg', 'pmpaddr'] as const;
/** Primitive fields that are configuration of the hart on its own thread, not state. */
const LOCAL_FIELDS = new Set(['jitAttached', 'hostTraps', 'yieldOnSpin', 'svadu', 'hartId', 'pollIndex', 'pollSeen']);

/** Hart state as saved by saveHart. */
export type HartData = Record<string, unknown>;

type Obj = Record<string, unknown>;

function isPrimitive(v: unknown): v is number | boolean | bigint {
  return typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint';
}

/** A plain copy of an object's data: primitives, typed arrays, arrays and nested objects; functions dropped. */
function plain(v: unknown): unknown {
  if (isPrimitive(v) || v === null) return v;
  if (ArrayBuffer.isView(v)) return (v as Int32Array).slice();
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === 'object') {
    const out: Obj = {};
    for (const [k, f] of Object.entries(v as Obj)) if (typeof f !== 'function') out[k] = plain(f);
    return out;
  }
  return undefined;
}

/**
 * Copies data saved by `plain` back into the live object, keeping its arrays and hooks.
 * Plain loops (no entries arrays, no closures): a hand-over runs it at every exit a vCPU
 * thread sends, on both threads.
 */
function restoreInto(dst: Obj, src: Obj): void {
  for (const k in src) {
    const v = src[k];
    if (isPrimitive(v) || v === null) {
      dst[k] = v;
      continue;
    }
    const cur = dst[k];
    if (ArrayBuffer.isView(v)) (cur as Int32Array).set(v as Int32Array);
    else if (Array.isArray(v)) {
      const arr = cur as unknown[];
      for (let i = 0; i < v.length; i++) {
        const e: unknown = v[i];
        if (isPrimitive(e) || e === null) arr[i] = e;
        else restoreInto(arr[i] as Obj, e as Obj);
      }
    } else if (typeof v === 'object' && cur !== null && typeof cur === 'object') restoreInto(cur as Obj, v as Obj);
  }
}

/**
 * The hart's primitive fields that are state, found at the first save: a Hart's fields are
 * all made by its constructor, none of them ever null, so the list holds for every hart.
 */
let primitiveKeys: string[] | null = null;

/** The hart's state as data. */
export function saveHart(h: Hart): HartData {
  const o = h as unknown as Obj;
  primitiveKeys ??= Object.keys(o).filter((k) => isPrimitive(o[k]) && !LOCAL_FIELDS.has(k));
  const out: HartData = {};
  for (const k of primitiveKeys) out[k] = o[k];
  for (const k of STATE_OBJECTS) out[k] = plain(o[k]);
  return out;
}

/** Loads saved state into a hart (its TLBs and translated code are the caller's business). */
export function restoreHart(h: Hart, data: HartData): void {
  restoreInto(h as unknown as Obj, data);
}
