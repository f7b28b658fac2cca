/**
 * Messages between the extension and the Exit Statistics webview (postMessage in both directions).
 * Type-only, so the webview bundle and the extension agree on one shape.
 */
import type { ExitStatsReport } from '../../hypervisor-core/hypervisor/stats/report';

/** Extension -> webview. */
export type ToWebview =
  /** A new cumulative report; `at` is when it was produced (ms since the epoch). */
  | { type: 'stats'; report: ExitStatsReport; at: number }
  /** No statistics to show (no session runs); `reason` is shown in the empty state. */
  | { type: 'empty'; reason: string }
  /** Forget the history (after a reset or when a new session starts). */
  | { type: 'clear' };

/** Webview -> extension. */
export type FromWebview =
  /** The script loaded and listens; the extension answers with the latest state. */
  | { type: 'ready' }
  /** The Reset button: zero the counters in the running session. */
  | { type: 'reset' }
  /** Export CSV for the vCPU filter the user has selected. */
  | { type: 'exportCsv'; vcpu: 'all' | number };
