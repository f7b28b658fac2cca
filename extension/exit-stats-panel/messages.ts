/**
 * Messages between the extension and the Exit Statistics webview (postMessage in both directions).
 * Type-only, so the webview bundle and the extension agree on one shape.
 */
import type { ExitStatsReport } from '../../hypervisor-core/hypervisor/stats/report';
import type { ExitFlameGraph } from '../../hypervisor-core/debug/flame-graph';
import type { CompareSide } from './compare-model';

/** Extension -> webview. */
export type ToWebview =
  /** A new cumulative report; `at` is when it was produced (ms since the epoch). */
  | { type: 'stats'; report: ExitStatsReport; at: number }
  /** No statistics to show (no session runs); `reason` is shown in the empty state. */
  | { type: 'empty'; reason: string }
  /** Forget the history (after a reset or when a new session starts). */
  | { type: 'clear' }
  /** The guest call stacks sampled at exits (undefined: no session to sample in). */
  | { type: 'flame'; graph: ExitFlameGraph | undefined; error?: string }
  /** Two reports to compare; B 'live' is the session's latest report, updated as it comes. */
  | { type: 'compare'; a: CompareSide; b: CompareSide | 'live' };

/** Webview -> extension. */
export type FromWebview =
  /** The script loaded and listens; the extension answers with the latest state. */
  | { type: 'ready' }
  /** The Reset button: zero the counters in the running session. */
  | { type: 'reset' }
  /** Export CSV for the vCPU filter the user has selected. */
  | { type: 'exportCsv'; vcpu: 'all' | number }
  /** Sample guest call stacks at exits of `reason`, one in `period` (earlier samples are forgotten). */
  | { type: 'flameStart'; reason: string; period: number }
  /** Stop sampling (the graph stays). */
  | { type: 'flameStop' }
  /** Save the sampled stacks as folded text. */
  | { type: 'exportFolded' }
  /** Open a flame graph frame's source. */
  | { type: 'openSource'; path: string; line: number }
  /** Compare two `--stats-json` files (B against A), or (`live`) a file with the session's statistics. */
  | { type: 'compare'; live: boolean };
