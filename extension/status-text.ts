/**
 * The status bar item's text for a VM state, an exit rate and a total. Pure: no vscode import.
 */
import { compactCount } from './exit-rate';
import type { VmState } from './session-state';

const ICONS: Record<VmState, string> = {
  starting: '$(loading~spin)',
  running: '$(vm-running)',
  paused: '$(debug-pause)',
  stopped: '$(vm-outline)',
};

/** "$(vm-running) VM running · 1.2k exits/s", "$(debug-pause) VM paused · 36 exits"... */
export function statusText(state: VmState, rate: number, total: number): string {
  if (state === 'running') return `${ICONS.running} VM running · ${compactCount(rate)} exits/s`;
  if (state === 'paused') return `${ICONS.paused} VM paused · ${compactCount(total)} exits`;
  return `${ICONS[state]} VM ${state}`;
}
