// @ts-check
/**
 * The flame graph section of the Exit Statistics webview: the controls that start and stop
 * sampling guest call stacks at exits of a reason, and the graph drawn as SVG from the
 * layout in ../flame-model.ts (the root at the bottom, a frame's width its share of the
 * samples). Hovering a frame shows its samples, callers and source; clicking it opens the
 * source in the editor.
 */
import { flameRects, flameTooltip, flameSummary, flameDepth } from '../flame-model';

/** @typedef {import('../../../hypervisor-core/debug/flame-graph').ExitFlameGraph} ExitFlameGraph */
/** @typedef {import('../messages').FromWebview} FromWebview */

const SVG_NS = 'http://www.w3.org/2000/svg';
const ROW = 17;
/** Approximate width of a character of the 11px editor font, to cut labels that do not fit. */
const CHAR_PX = 6.6;

/** @param {string} id */
function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`exit-stats webview: #${id} missing`);
  return el;
}

/** flamegraph.pl's "hot" palette, the colour fixed per name so a frame keeps it across updates. @param {string} name */
function hotColor(name) {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (Math.imul(h, 31) + name.charCodeAt(i)) >>> 0;
  const v1 = (h & 0xff) / 255, v2 = ((h >>> 8) & 0xff) / 255;
  return `rgb(${205 + Math.round(50 * v2)},${Math.round(230 * v1)},${Math.round(55 * v2)})`;
}

/**
 * Wires the flame graph section; returns the handler of the extension's 'flame' messages.
 * @param {{ postMessage(msg: FromWebview): void }} vscode
 */
export function initFlame(vscode) {
  const reason = /** @type {HTMLSelectElement} */ (byId('flame-reason'));
  const period = /** @type {HTMLInputElement} */ (byId('flame-period'));
  const summary = byId('flame-summary');
  const box = byId('flame-graph');
  /** @type {ExitFlameGraph | undefined} */
  let graph;

  byId('flame-start').addEventListener('click', () => {
    const p = Math.min(1_000_000, Math.max(1, Math.floor(Number(period.value) || 1)));
    period.value = String(p);
    vscode.postMessage({ type: 'flameStart', reason: reason.value, period: p });
  });
  byId('flame-stop').addEventListener('click', () => vscode.postMessage({ type: 'flameStop' }));
  byId('flame-export').addEventListener('click', () => vscode.postMessage({ type: 'exportFolded' }));

  function render() {
    box.replaceChildren();
    if (!graph) return;
    summary.textContent = flameSummary(graph);
    const rects = flameRects(graph.root);
    if (rects.length === 0) return;
    const width = Math.max(300, box.clientWidth || 1000);
    const rows = flameDepth(rects);
    const svg = document.createElementNS(SVG_NS, 'svg');
    svg.setAttribute('width', String(width));
    svg.setAttribute('height', String(rows * ROW));
    svg.setAttribute('viewBox', `0 0 ${width} ${rows * ROW}`);
    for (const r of rects) {
      const g = document.createElementNS(SVG_NS, 'g');
      g.setAttribute('class', 'frame');
      const x = r.x * width, w = r.width * width, y = (rows - 1 - r.depth) * ROW;
      const title = document.createElementNS(SVG_NS, 'title');
      title.textContent = flameTooltip(r, graph.root.value, graph.reason);
      const rect = document.createElementNS(SVG_NS, 'rect');
      rect.setAttribute('x', x.toFixed(1));
      rect.setAttribute('y', String(y));
      rect.setAttribute('width', Math.max(0.5, w).toFixed(1));
      rect.setAttribute('height', String(ROW - 1));
      rect.setAttribute('fill', r.depth === 0 ? 'rgb(160,160,160)' : hotColor(r.name));
      g.append(title, rect);
      const fits = Math.floor((w - 6) / CHAR_PX);
      if (fits >= 3) {
        const text = document.createElementNS(SVG_NS, 'text');
        text.setAttribute('x', (x + 3).toFixed(1));
        text.setAttribute('y', String(y + ROW - 5));
        text.textContent = r.name.length <= fits ? r.name : r.name.slice(0, fits - 2) + '..';
        g.appendChild(text);
      }
      const src = r.source;
      if (src) g.addEventListener('click', () => vscode.postMessage({ type: 'openSource', path: src.path, line: src.line }));
      g.setAttribute('data-name', r.name);
      svg.appendChild(g);
    }
    box.appendChild(svg);
  }

  let resizeTimer = 0;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(render, 100);
  });

  /** @param {{ graph: ExitFlameGraph | undefined, error?: string }} msg */
  return (msg) => {
    graph = msg.graph;
    if (graph?.reason) reason.value = graph.reason;
    if (graph) period.value = String(graph.period);
    render();
    if (msg.error) {
      const p = document.createElement('p');
      p.className = 'error';
      p.textContent = msg.error;
      box.prepend(p);
    }
  };
}
