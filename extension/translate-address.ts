/**
 * The "Hyperscope: Translate Address" command: asks for a guest virtual address and shows the
 * two-stage walk (GVA -> GPA -> HPA) the debug adapter returns for the stopped vCPU through the
 * custom request `hyperscope.translate`.
 */
import * as vscode from 'vscode';
import { DEBUG_TYPE } from './debug-config';

/** Arguments of the `hyperscope.translate` custom request. */
export interface TranslateArgs {
  /** Guest virtual address, as a hex string ("0x80200000"). */
  address: string;
  /** vCPU index; the adapter uses the stopped/selected one when absent. */
  vcpu?: number;
}

/** Parses "0x..." hex or a decimal address; undefined when it is neither. */
export function parseAddress(text: string): string | undefined {
  const t = text.trim().replace(/_/g, '');
  if (/^0x[0-9a-f]{1,16}$/i.test(t)) return `0x${t.slice(2).toLowerCase()}`;
  if (/^[0-9]{1,20}$/.test(t)) {
    const v = BigInt(t); // once per command, not a hot path
    return v < 1n << 64n ? `0x${v.toString(16)}` : undefined;
  }
  return undefined;
}

/** Text to show for the adapter's answer: its `text` field when it gives one, else the JSON. */
export function describeTranslation(body: unknown): string {
  if (body && typeof body === 'object' && typeof (body as { text?: unknown }).text === 'string') {
    return (body as { text: string }).text;
  }
  return JSON.stringify(body, null, 2);
}

/** The active Hyperscope debug session, if any. */
export function activeHyperscopeSession(): vscode.DebugSession | undefined {
  const s = vscode.debug.activeDebugSession;
  return s && s.type === DEBUG_TYPE ? s : undefined;
}

/** Runs the command, writing the walk to the given output channel. */
export async function translateAddressCommand(output: vscode.OutputChannel): Promise<void> {
  const session = activeHyperscopeSession();
  if (!session) {
    void vscode.window.showWarningMessage('Hyperscope: start a Hyperscope debug session and stop it to translate an address.');
    return;
  }
  const input = await vscode.window.showInputBox({
    prompt: 'Guest virtual address to translate (GVA -> GPA -> HPA)',
    placeHolder: '0x80200000',
    validateInput: (v) => (parseAddress(v) ? undefined : 'Enter an address: 0x-prefixed hex or decimal'),
  });
  if (input === undefined) return;
  const address = parseAddress(input);
  if (!address) return;
  try {
    const args: TranslateArgs = { address };
    const body: unknown = await session.customRequest('hyperscope.translate', args);
    output.appendLine(`translate ${address}`);
    output.appendLine(describeTranslation(body));
    output.show(true);
  } catch (e) {
    void vscode.window.showErrorMessage(`Hyperscope: translate ${address}: ${(e as Error).message}`);
  }
}
