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

/** Copies data saved by `plain` back into the live object, keeping its arrays and hooks. */
function restoreInto(dst: Obj, src: Obj): void {
  for (const [k, v] of Object.entries(src)) {
    const cur = dst[k];
    if (isPrimitive(v) || v === null) dst[k] = v;
    else if (ArrayBuffer.isView(v)) (cur as Int32Array).set(v as Int32Array);
    else if (Array.isArray(v)) {
      const arr = cur as unknown[];
      v.forEach((e, i) => {
        if (isPrimitive(e) || e === null) arr[i] = e;
        else restoreInto(arr[i] as Obj, e as Obj);
      });
    } else if (typeof v === 'object' && cur !== null && typeof cur === 'object') restoreInto(cur as Obj, v as Obj);
  }
}

/** The hart's state as data. */
export function saveHart(h: Hart): HartData {
  const out: HartData = {};
  for (const [k, v] of Object.entries(h as unknown as Obj)) if (isPrimitive(v) && !LOCAL_FIELDS.has(k)) out[k] = v;
  for (const k of STATE_OBJECTS) out[k] = plain((h as unknown as Obj)[k]);
  return out;
}

/** Loads saved state into a hart (its TLBs and translated code are the caller's business). */
export function restoreHart(h: Hart, data: HartData): void {
  restoreInto(h as unknown as Obj, data);
}
