/**
 * A stop whose top frame has no source (a kernel whose sources are not fetched yet) opens the
 * Disassembly view, instead of leaving the editor where it was: VS Code opens an editor for a
 * stop only when the frame has a source. The watcher is pure (unit tested): it sees the DAP
 * messages and says when to open the view.
 */
import type { DapMessage } from './session-state';

/** The command VS Code's "Open Disassembly View" runs. */
export const OPEN_DISASSEMBLY_COMMAND = 'debug.action.openDisassemblyView';

/** Follows one session's messages from the adapter. */
export class NoSourceStopWatcher {
  private afterStop = false;

  /** True when this message is the first stack trace after a stop and its top frame has no source. */
  onMessage(m: DapMessage): boolean {
    if (m.type === 'event' && m.event === 'stopped') {
      this.afterStop = true;
      return false;
    }
    if (!this.afterStop || m.type !== 'response' || m.command !== 'stackTrace') return false;
    this.afterStop = false;
    const top = (m.body as { stackFrames?: { source?: { path?: string; sourceReference?: number }; instructionPointerReference?: string }[] } | undefined)?.stackFrames?.[0];
    return !!top && !!top.instructionPointerReference && !top.source?.path && !top.source?.sourceReference;
  }
}
