/**
 * A daemon VM's scheduling parameters, as Xen's `xl sched-credit -d NAME -w WEIGHT -c CAP`
 * takes them: weight (relative share of the host-CPU slots under contention, default 256) and
 * cap (percent of one host CPU, 0 = none). Checked here for the API and the CLI alike.
 */
import { ApiError } from './api-error';
import { DEFAULT_WEIGHT, MAX_CAP, MAX_WEIGHT, type VmSchedInfo } from '../hypervisor/threads/credit-scheduler';

/** Weight and cap. */
export interface SchedSettings {
  weight: number;
  cap: number;
}

/** The defaults (Xen's). */
export const DEFAULT_SCHED: SchedSettings = { weight: DEFAULT_WEIGHT, cap: 0 };

/** What `GET /v1/vms/NAME/sched` answers: the settings, the VM's figures and the daemon's slots. */
export interface SchedAnswer extends VmSchedInfo {
  name: string;
  /** The daemon's host-CPU slots (`hyperscope serve --host-threads`). */
  slots: number;
}

/** Why `v` is not a weight (one line), or null. */
export function weightProblem(v: unknown): string | null {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX_WEIGHT ? null : `the weight must be an integer from 1 to ${MAX_WEIGHT}`;
}

/** Why `v` is not a cap (one line), or null. */
export function capProblem(v: unknown): string | null {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_CAP ? null
    : `the cap must be an integer from 0 (none) to ${MAX_CAP} (percent of one host CPU)`;
}

/** The weight and cap fields of a request body (either may be absent); 'bad-request' for a wrong one, nothing changed. */
export function parseSchedFields(b: Record<string, unknown>): Partial<SchedSettings> {
  const out: Partial<SchedSettings> = {};
  if (b.weight !== undefined) {
    const why = weightProblem(b.weight);
    if (why) throw new ApiError('bad-request', `'weight': ${why}`);
    out.weight = b.weight as number;
  }
  if (b.cap !== undefined) {
    const why = capProblem(b.cap);
    if (why) throw new ApiError('bad-request', `'cap': ${why}`);
    out.cap = b.cap as number;
  }
  return out;
}

/** The body of `POST /v1/vms/NAME/sched`: `{weight?, cap?}` and nothing else. */
export function parseSchedRequest(body: unknown): Partial<SchedSettings> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError('bad-request', 'the body must be a JSON object { weight?, cap? }');
  const b = body as Record<string, unknown>;
  for (const k of Object.keys(b)) if (k !== 'weight' && k !== 'cap') throw new ApiError('bad-request', `unknown field '${k.slice(0, 40)}' (weight, cap)`);
  return parseSchedFields(b);
}
