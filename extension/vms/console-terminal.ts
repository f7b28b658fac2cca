/**
 * A VM's console in a VS Code terminal: what it printed so far, then live output; what the
 * user types goes to the guest (`GET` and `POST /v1/vms/NAME/console`).
 */
import * as vscode from 'vscode';
import type { ApiClient } from '../../hypervisor-core/serve/client';
import { terminalText } from './model';

/** Opens a terminal on the console of VM `name`. */
export function openConsoleTerminal(client: ApiClient, name: string): vscode.Terminal {
  const write = new vscode.EventEmitter<string>();
  const close = new vscode.EventEmitter<number | void>();
  const path = `/v1/vms/${encodeURIComponent(name)}/console`;
  let stream: { close(): void } | undefined;
  let cr = false;
  let sending = Promise.resolve();
  const decoder = new TextDecoder();
  const pty: vscode.Pseudoterminal = {
    onDidWrite: write.event,
    onDidClose: close.event,
    open: () => {
      void client.stream(path, (chunk) => {
        const r = terminalText(decoder.decode(chunk, { stream: true }), cr);
        cr = r.lastWasCr;
        write.fire(r.text);
      }).then((s) => {
        stream = s;
        return s.done;
      }).then(() => write.fire('\r\n[the VM stopped: its console ended]\r\n'),
        (e: Error) => write.fire(`\r\n[${e.message}]\r\n`));
    },
    close: () => stream?.close(),
    handleInput: (data) => {
      const bytes = new TextEncoder().encode(data);
      // In order; what the guest's queue had no room for is offered again shortly.
      sending = sending.then(async () => {
        for (let at = 0; at < bytes.length;) {
          const piece = bytes.subarray(at, at + 4096);
          const { accepted } = await client.call<{ accepted: number }>('POST', path, piece);
          at += accepted;
          if (accepted < piece.length) await new Promise((r) => setTimeout(r, 20));
        }
      }).catch((e: Error) => write.fire(`\r\n[${e.message}]\r\n`));
    },
  };
  const terminal = vscode.window.createTerminal({ name: `VM ${name}`, pty });
  terminal.show();
  return terminal;
}
