/**
 * A stop whose top frame has no source file (a kernel whose sources are not fetched yet: the
 * adapter gives a stand-in that says how to get them) opens the Disassembly view, where the
 * code is. The watcher is pure (unit tested): it sees the DAP messages and says when.
 */
import type { DapMessage } from './session-state';
import { MISSING_SOURCE_ORIGIN } from '../debug-adapter/frame-sources';

/** The command VS Code's "Open Disassembly View" runs. */
export const OPEN_DISASSEMBLY_COMMAND = 'debug.action.openDisassemblyView';

/** Follows one session's messages from the adapter. */
export class NoSourceStopWatcher {
  private afterStop = false;

  /** True when this message is the first stack trace after a stop and its top frame has no source file. */
  onMessage(m: DapMessage): boolean {
    if (m.type === 'event' && m.event === 'stopped') {
      this.afterStop = true;
      return false;
    }
    if (!this.afterStop || m.type !== 'response' || m.command !== 'stackTrace') return false;
    this.afterStop = false;
    type Frame = { source?: { path?: string; sourceReference?: number; origin?: string }; instructionPointerReference?: string };
    const top = (m.body as { stackFrames?: Frame[] } | undefined)?.stackFrames?.[0];
    if (!top?.instructionPointerReference) return false;
    return !top.source || top.source.origin === MISSING_SOURCE_ORIGIN || (!top.source.path && !top.source.sourceReference);
  }
}
