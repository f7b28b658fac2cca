/**
 * The guest console as a VS Code terminal (a Pseudoterminal), one per Hyperscope session: what
 * the guest writes (DAP `output` events of category stdout, seen by the session tracker)
 * appears there, and keystrokes go to the guest's UART / SBI console through the adapter's
 * custom request `hyperscope.input` ({ text }). The terminal shows itself on the guest's first
 * output, without taking focus, and stays open after the guest ends.
 */
import * as vscode from 'vscode';
import { toTerminalNewlines } from './guest-input';
import type { HyperscopeSessions } from './session-tracker';

/** Name of the custom request that carries console input to the guest. */
export const INPUT_REQUEST = 'hyperscope.input';

/** One session's console. */
class GuestConsole implements vscode.Pseudoterminal {
  private readonly writeEmitter = new vscode.EventEmitter<string>();
  readonly onDidWrite = this.writeEmitter.event;
  private opened = false;
  private pending: string[] = [];
  private shown = false;
  private inputRefused = false;
  readonly terminal: vscode.Terminal;

  constructor(private readonly session: vscode.DebugSession) {
    this.terminal = vscode.window.createTerminal({
      name: `Guest console (${session.name.replace(/^Hyperscope:\s*/, '')})`,
      pty: this,
      iconPath: new vscode.ThemeIcon('vm'),
      isTransient: true,
    });
  }

  open(): void {
    this.opened = true;
    for (const t of this.pending) this.writeEmitter.fire(t);
    this.pending = [];
  }

  close(): void {
    this.opened = false;
  }

  /** Shows guest output (first output reveals the terminal without focusing it). */
  write(text: string, reveal = true): void {
    const t = toTerminalNewlines(text);
    if (this.opened) this.writeEmitter.fire(t);
    else this.pending.push(t);
    if (reveal && !this.shown) {
      this.shown = true;
      this.terminal.show(true);
    }
  }

  /** A note from the extension (dim), on its own line; it does not reveal the terminal. */
  note(text: string): void {
    this.write(`\r\n\x1b[2m[${text}]\x1b[0m\r\n`, false);
  }

  handleInput(data: string): void {
    this.session.customRequest(INPUT_REQUEST, { text: data }).then(undefined, (e: unknown) => {
      if (this.inputRefused) return;
      this.inputRefused = true;
      this.note(`input not delivered to the guest: ${String((e as Error)?.message ?? e).split('\n')[0]}`);
    });
  }

  dispose(): void {
    this.writeEmitter.dispose();
  }
}

/** Creates a console per session and feeds it. */
export function registerGuestConsole(context: vscode.ExtensionContext, sessions: HyperscopeSessions): void {
  const consoles = new Map<string, GuestConsole>();
  const ended: GuestConsole[] = [];
  context.subscriptions.push(
    sessions.onDidStartSession((s) => {
      // The consoles of sessions that ended make way for the new one.
      for (const c of ended.splice(0)) c.terminal.dispose();
      consoles.set(s.id, new GuestConsole(s));
    }),
    sessions.onDidOutput(({ session, value }) => consoles.get(session.id)?.write(value)),
    vscode.debug.onDidTerminateDebugSession((s) => {
      const c = consoles.get(s.id);
      if (!c) return;
      consoles.delete(s.id);
      c.note('the guest has stopped');
      ended.push(c);
    }),
    vscode.commands.registerCommand('hyperscope.showGuestConsole', () => {
      const s = vscode.debug.activeDebugSession;
      const c = (s && consoles.get(s.id)) ?? ended[ended.length - 1];
      if (c) c.terminal.show();
      else void vscode.window.showInformationMessage('Hyperscope: the guest console opens when a Hyperscope debug session starts.');
    }),
    { dispose: () => [...consoles.values(), ...ended].forEach((c) => c.terminal.dispose()) },
  );
}
