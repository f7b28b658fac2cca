/**
 * The Memory view's page: a table of rows (address, 16 hex bytes, ASCII) with an address box,
 * page buttons, an editable byte on double-click and "follow" on a row's first 8 bytes. The
 * script only posts messages; the extension reads and writes memory. Pure: no vscode import.
 */
import type { MemoryRow } from './model';

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The HTML of the view (`nonce` for the Content-Security-Policy of its one script). */
export function memoryHtml(nonce: string, cspSource: string, title: string, rows: MemoryRow[], note?: string): string {
  const body = rows.map((r, i) => {
    const cells = r.bytes.map((b, k) => `<td class="b" data-o="${i * 16 + k}">${b === undefined ? '??' : b.toString(16).padStart(2, '0')}</td>`).join('');
    return `<tr><td class="a"><a href="#" data-follow="${i * 16}" title="Follow the pointer in this row's first 8 bytes">${r.address}</a></td>${cells}<td class="s">${esc(r.ascii)}</td></tr>`;
  }).join('\n');
  return `<!DOCTYPE html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${cspSource} 'unsafe-inline'; script-src 'nonce-${nonce}';">
<style>
body { font-family: var(--vscode-editor-font-family); font-size: var(--vscode-editor-font-size); }
td { padding: 0 3px; } td.a a { color: var(--vscode-textLink-foreground); } td.b { cursor: text; } td.s { white-space: pre; padding-left: 12px; }
td.b:hover { background: var(--vscode-editor-selectionBackground); } .note { color: var(--vscode-descriptionForeground); }
</style></head><body>
<div><input id="addr" size="22" value="${esc(title)}"> <button id="go">Go</button> <button id="prev">&lt; Page</button> <button id="next">Page &gt;</button> <button id="refresh">Refresh</button></div>
<p class="note">${esc(note ?? 'Double-click a byte to change it. Click an address to follow the 64-bit pointer stored in that row.')}</p>
<table id="t">${body}</table>
<script nonce="${nonce}">
const vscode = acquireVsCodeApi();
const post = (m) => vscode.postMessage(m);
document.getElementById('go').onclick = () => post({ type: 'goto', address: document.getElementById('addr').value });
document.getElementById('addr').onkeydown = (e) => { if (e.key === 'Enter') post({ type: 'goto', address: e.target.value }); };
document.getElementById('prev').onclick = () => post({ type: 'page', delta: -1 });
document.getElementById('next').onclick = () => post({ type: 'page', delta: 1 });
document.getElementById('refresh').onclick = () => post({ type: 'refresh' });
document.getElementById('t').onclick = (e) => { const f = e.target.dataset && e.target.dataset.follow; if (f !== undefined) { e.preventDefault(); post({ type: 'follow', offset: Number(f) }); } };
document.getElementById('t').ondblclick = (e) => {
  const td = e.target; const o = td.dataset && td.dataset.o; if (o === undefined) return;
  td.contentEditable = 'true'; td.focus(); document.getSelection().selectAllChildren(td);
  let finished = false;
  const done = (ok) => { if (finished) return; finished = true; td.contentEditable = 'false'; post(ok ? { type: 'write', offset: Number(o), value: td.textContent } : { type: 'refresh' }); };
  td.onkeydown = (k) => { if (k.key === 'Enter') { k.preventDefault(); done(true); } else if (k.key === 'Escape') done(false); };
  td.onblur = () => done(true);
};
</script></body></html>`;
}
