/**
 * The Memory view: a webview of any memoryReference (a variable's or register's "View Memory"
 * in the Variables and Watch menus, or an address typed in), hex and ASCII, bytes editable
 * (DAP writeMemory), a row's pointer followed; re-read at every stop. When the Hex Editor
 * extension (ms-vscode.hexeditor) is installed, "View Memory" hands a variable to VS Code's own
 * "View Binary Data" with it instead; this view stands in when it is not.
 */
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import { DEBUG_TYPE } from '../debug-config';
import type { HyperscopeSessions } from '../session-tracker';
import { memoryHtml } from './html';
import { MemoryPage, PAGE_BYTES, memoryReferenceOf, parseAddress, parseByte, parseReadMemory, pointerAt, rowsOf } from './model';

/** The Hex Editor's extension id, and VS Code's command that opens a variable's memory in it. */
const HEX_EDITOR = 'ms-vscode.hexeditor';
const VIEW_BINARY_DATA = 'workbench.debug.viewlet.action.viewMemory';

/** One open view. */
class MemoryPanel {
  private page?: MemoryPage;
  private note?: string;

  constructor(readonly panel: vscode.WebviewPanel, private session: vscode.DebugSession, private address: bigint) {
    panel.webview.options = { enableScripts: true };
    panel.webview.onDidReceiveMessage((m) => void this.onMessage(m as Record<string, unknown>));
  }

  /** Shows `address` (of `session`). */
  async show(session: vscode.DebugSession, address: bigint): Promise<void> {
    this.session = session;
    this.address = BigInt.asUintN(64, address);
    await this.refresh();
  }

  /** Re-reads the page and redraws. */
  async refresh(): Promise<void> {
    try {
      const body: unknown = await this.session.customRequest('readMemory', { memoryReference: memoryReferenceOf(this.address), count: PAGE_BYTES });
      this.page = parseReadMemory(body, this.address);
      this.note = this.page.unreadable ? `${this.page.unreadable} bytes are not readable here (?? below).` : undefined;
    } catch (e) {
      this.page = { address: this.address, data: new Uint8Array(0), unreadable: PAGE_BYTES };
      this.note = `Cannot read memory: ${String((e as Error)?.message ?? e).split('\n')[0]}`;
    }
    const nonce = randomBytes(16).toString('hex');
    const title = memoryReferenceOf(this.address);
    this.panel.title = `Memory ${title}`;
    this.panel.webview.html = memoryHtml(nonce, this.panel.webview.cspSource, title, rowsOf(this.page), this.note);
  }

  private async onMessage(m: Record<string, unknown>): Promise<void> {
    if (m.type === 'goto' && typeof m.address === 'string') {
      const a = parseAddress(m.address);
      if (a === undefined) { void vscode.window.showWarningMessage(`Not an address: ${m.address}`); return; }
      await this.show(this.session, a);
    } else if (m.type === 'page' && typeof m.delta === 'number') {
      await this.show(this.session, this.address + BigInt(Math.sign(m.delta) * PAGE_BYTES));
    } else if (m.type === 'refresh') {
      await this.refresh();
    } else if (m.type === 'follow' && typeof m.offset === 'number' && this.page) {
      const p = pointerAt(this.page, m.offset);
      if (p === undefined) { void vscode.window.showWarningMessage('That row has no readable 64-bit value to follow.'); return; }
      await this.show(this.session, p);
    } else if (m.type === 'write' && typeof m.offset === 'number' && typeof m.value === 'string') {
      const v = parseByte(m.value);
      if (v === undefined) { void vscode.window.showWarningMessage(`Not a byte: ${m.value} (write one or two hex digits)`); await this.refresh(); return; }
      try {
        await this.session.customRequest('writeMemory', {
          memoryReference: memoryReferenceOf(this.address), offset: m.offset, data: Buffer.from([v]).toString('base64'),
        });
      } catch (e) {
        void vscode.window.showErrorMessage(String((e as Error)?.message ?? e).split('\n')[0]);
      }
      await this.refresh();
    }
  }
}

/** Opens (or reuses) the Memory view at an address of the active hyperscope session. */
async function openMemory(panels: Set<MemoryPanel>, address: bigint): Promise<void> {
  const session = vscode.debug.activeDebugSession;
  if (!session || session.type !== DEBUG_TYPE) { void vscode.window.showWarningMessage('No Hyperscope debug session.'); return; }
  let p = [...panels][0];
  if (!p) {
    const panel = vscode.window.createWebviewPanel('hyperscope.memory', 'Memory', vscode.ViewColumn.Beside, { enableScripts: true, retainContextWhenHidden: false });
    p = new MemoryPanel(panel, session, address);
    panels.add(p);
    panel.onDidDispose(() => panels.delete(p));
  } else {
    p.panel.reveal(undefined, true);
  }
  await p.show(session, address);
}

/** The argument VS Code passes to a Variables/Watch context-menu command. */
interface VariableContext { variable?: { memoryReference?: string; name?: string } }

/** Registers the View Memory commands and the refresh at each stop. */
export function registerMemoryView(context: vscode.ExtensionContext, sessions: HyperscopeSessions): void {
  const panels = new Set<MemoryPanel>();
  context.subscriptions.push(
    vscode.commands.registerCommand('hyperscope.viewMemory', async (arg?: VariableContext) => {
      const ref = arg?.variable?.memoryReference;
      if (ref && vscode.extensions.getExtension(HEX_EDITOR)) {
        // The Hex Editor is there: VS Code's own View Binary Data, as the user may expect.
        await vscode.commands.executeCommand(VIEW_BINARY_DATA, arg);
        return;
      }
      let address = ref ? parseAddress(ref.replace(/^phys:/, '')) : undefined;
      if (address === undefined) {
        const typed = await vscode.window.showInputBox({ prompt: 'Guest virtual address to view (0x...)', validateInput: (t) => (parseAddress(t) === undefined ? 'an address: 0x... or decimal' : undefined) });
        if (typed === undefined) return;
        address = parseAddress(typed);
      }
      if (address !== undefined) await openMemory(panels, address);
    }),
    sessions.onDidStop(() => { for (const p of panels) void p.refresh(); }),
  );
}
