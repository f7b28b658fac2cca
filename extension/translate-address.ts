/**
 * The "Hyperscope: Translate Address" command: asks for a guest virtual address and shows the
 * two-stage walk (GVA -> GPA -> HPA) the debug adapter returns for the stopped vCPU through the
 * custom request `hyperscope.translate`.
 */
import * as vscode from 'vscode';
import { DEBUG_TYPE } from './debug-config';
import { describeTranslation, parseAddress } from './guest-input';

/** Arguments of the `hyperscope.translate` custom request. */
export interface TranslateArgs {
  /** Guest virtual address, as a hex string ("0x80200000"). */
  address: string;
  /** vCPU index; the adapter uses the stopped/selected one when absent. */
  vcpu?: number;
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
