// @ts-check
/**
 * The Exit Statistics webview script: renders the perf-kvm-stat style table and the
 * exits-per-second chart from the reports the extension posts, and the latency histogram of
 * the row the user clicks.
 *
 * Written as JavaScript checked by TypeScript (see tsconfig.json beside it) because it needs
 * the DOM library, which the root tsconfig leaves out for the Node code. The logic that can be
 * tested without a browser lives in ../model.ts. Bundled with chart.js by extension/build-webview.mjs.
 */
import {
  Chart,
  LineController,
  LineElement,
  PointElement,
  LinearScale,
  Legend,
  Tooltip,
} from 'chart.js';
import { tableRows, sortRows, nextSort, formatUs, formatPct, COLUMNS, RateHistory, selectedRow, histogramBars, kvmRows, attributionFor, siteLocation, liveRows, sparklinePoints, formatRate, interruptSummary } from '../model';
import { initFlame } from './flame';
import { initCompare } from './compare';
import './panel.css';

Chart.register(LineController, LineElement, PointElement, LinearScale, Legend, Tooltip);

/** @typedef {import('../../../hypervisor-core/hypervisor/stats/report').ExitStatsReport} ExitStatsReport */
/** @typedef {import('../../../hypervisor-core/hypervisor/stats/report').ExitStatsRow} ExitStatsRow */
/** @typedef {import('../messages').ToWebview} ToWebview */
/** @typedef {import('../messages').FromWebview} FromWebview */
/** @typedef {import('../model').SortKey} SortKey */
/** @typedef {import('../model').SortDir} SortDir */
/** @typedef {import('../model').VcpuFilter} VcpuFilter */
/** @typedef {import('../model').RowSelection} RowSelection */

/** @type {{ postMessage(msg: FromWebview): void }} */
// eslint-disable-next-line no-undef
const vscode = /** @type {any} */ (globalThis).acquireVsCodeApi();

/** Reports kept for the chart: enough to rebuild it when the vCPU filter changes. */
const MAX_REPORTS = 600;

const state = {
  /** @type {ExitStatsReport | undefined} */
  report: undefined,
  /** @type {{ report: ExitStatsReport, at: number }[]} */
  history: [],
  /** @type {{ key: SortKey, dir: SortDir }} */
  sort: { key: 'samples', dir: 'desc' },
  /** @type {VcpuFilter} */
  vcpu: 'all',
  /** @type {RowSelection | undefined} */
  selected: undefined,
  emptyReason: 'No exit statistics yet: start a Hyperscope debug session.',
  /** Show the counts under KVM's vCPU statistics names instead of the perf table. */
  kvmNames: false,
  /** @type {import('../model').LiveSortKey} */
  liveSort: 'now',
};

/** @param {string} id */
function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`exit-stats webview: #${id} missing`);
  return el;
}

const tbody = byId('exit-rows');
const select = /** @type {HTMLSelectElement} */ (byId('vcpu-filter'));
const summary = byId('summary');
const note = byId('breakdown-note');
const canvas = /** @type {HTMLCanvasElement} */ (byId('rate-chart'));
const histTitle = byId('histogram-title');
const histHint = byId('histogram-hint');
const histTable = byId('histogram');
const histRows = byId('histogram-rows');
const exitTable = byId('exit-table');
const kvmTable = byId('kvm-table');
const kvmBody = byId('kvm-rows');
const kvmToggle = /** @type {HTMLInputElement} */ (byId('kvm-names'));
const histSection = byId('histogram-section');
const liveBody = byId('live-rows');
const attrSection = byId('attribution-section');
const attrTitle = byId('attribution-title');
const attrRows = byId('attribution-rows');
const attrNote = byId('attribution-note');

/** A theme color from VS Code's CSS variables, with a fallback outside VS Code. */
function themeColor(/** @type {string} */ name, /** @type {string} */ fallback) {
  const v = getComputedStyle(document.body).getPropertyValue(name).trim();
  return v || fallback;
}

const PALETTE = [
  ['--vscode-charts-blue', '#3794ff'],
  ['--vscode-charts-red', '#f14c4c'],
  ['--vscode-charts-yellow', '#cca700'],
  ['--vscode-charts-green', '#89d185'],
  ['--vscode-charts-purple', '#b180d7'],
  ['--vscode-charts-orange', '#d18616'],
  ['--vscode-charts-foreground', '#cccccc'],
];

/** Stable color per reason so a line keeps its color across updates. */
const colorOf = (() => {
  /** @type {Map<string, string>} */
  const assigned = new Map();
  return (/** @type {string} */ reason) => {
    let c = assigned.get(reason);
    if (!c) {
      const [v, f] = PALETTE[assigned.size % PALETTE.length];
      c = themeColor(v, f);
      assigned.set(reason, c);
    }
    return c;
  };
})();

const chart = new Chart(canvas, {
  type: 'line',
  data: { datasets: [] },
  options: {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    parsing: false,
    scales: {
      x: {
        type: 'linear',
        title: { display: true, text: 'seconds', color: themeColor('--vscode-foreground', '#ccc') },
        ticks: { color: themeColor('--vscode-descriptionForeground', '#999') },
        grid: { color: themeColor('--vscode-charts-lines', 'rgba(128,128,128,0.3)') },
      },
      y: {
        type: 'linear',
        beginAtZero: true,
        title: { display: true, text: 'exits/s', color: themeColor('--vscode-foreground', '#ccc') },
        ticks: { color: themeColor('--vscode-descriptionForeground', '#999') },
        grid: { color: themeColor('--vscode-charts-lines', 'rgba(128,128,128,0.3)') },
      },
    },
    plugins: { legend: { labels: { color: themeColor('--vscode-foreground', '#ccc') } } },
  },
});

/** Rebuilds the chart's datasets and the live table from the kept reports for the current filter. */
function renderChart() {
  const rates = new RateHistory(MAX_REPORTS);
  for (const h of state.history) rates.push(h.report, h.at, state.vcpu);
  const series = rates.series();
  renderLive(series);
  const t0 = series.length ? series[0].at : 0;
  chart.data.datasets = rates.reasons().map((reason) => ({
    label: reason,
    data: series.map((p) => ({ x: (p.at - t0) / 1000, y: p.perReason[reason] ?? 0 })),
    borderColor: colorOf(reason),
    backgroundColor: colorOf(reason),
    pointRadius: series.length < 20 ? 2 : 0,
    borderWidth: 2,
  }));
  chart.update('none');
}

/** @param {ExitStatsRow} r @param {string | undefined} parent the reason a breakdown row is under */
function rowHtml(r, parent) {
  const child = parent !== undefined;
  const tr = document.createElement('tr');
  tr.className = child ? 'child' : 'reason';
  const sel = state.selected;
  if (sel && sel.key === r.key && sel.parent === parent) tr.classList.add('selected');
  tr.tabIndex = 0;
  tr.setAttribute('aria-selected', String(tr.classList.contains('selected')));
  const select = () => {
    state.selected = { key: r.key, parent };
    renderTable();
  };
  tr.addEventListener('click', select);
  tr.addEventListener('keydown', (e) => {
    const k = /** @type {KeyboardEvent} */ (e).key;
    if (k === 'Enter' || k === ' ') select();
  });
  /** @type {[string, string][]} */
  const cells = [
    [r.key, 'name'],
    [String(r.samples), 'num'],
    [formatPct(r.samplesPct), 'num'],
    [formatPct(r.timePct), 'num'],
    [formatUs(r.minNs), 'num'],
    [formatUs(r.maxNs), 'num'],
    [formatUs(r.meanNs), 'num'],
  ];
  for (const [text, cls] of cells) {
    const td = document.createElement('td');
    td.textContent = text;
    td.className = cls;
    tr.appendChild(td);
  }
  return tr;
}

function renderTable() {
  tbody.replaceChildren();
  for (const th of document.querySelectorAll('th[data-key]')) {
    const key = th.getAttribute('data-key');
    const sorted = key === state.sort.key;
    th.setAttribute('aria-sort', sorted ? (state.sort.dir === 'asc' ? 'ascending' : 'descending') : 'none');
    th.classList.toggle('sorted', sorted);
  }
  const report = state.report;
  const rows = report ? sortRows(tableRows(report, state.vcpu), state.sort.key, state.sort.dir) : [];
  if (!report || rows.length === 0) {
    const tr = document.createElement('tr');
    tr.className = 'empty';
    const td = document.createElement('td');
    td.colSpan = COLUMNS.length;
    td.id = 'empty-state';
    td.textContent = report ? 'No VM exits yet.' : state.emptyReason;
    tr.appendChild(td);
    tbody.appendChild(tr);
  }
  for (const t of rows) {
    tbody.appendChild(rowHtml(t.row, undefined));
    for (const c of t.children) tbody.appendChild(rowHtml(c, t.row.key));
  }
  renderHistogram(rows);
  renderAttribution();
  renderKvm();
  note.hidden = state.vcpu === 'all' || !report;
  if (report) {
    const v = state.vcpu === 'all' ? undefined : report.perVcpu.find((p) => p.vcpu === state.vcpu);
    const exits = v ? v.reasons.reduce((s, r) => s + r.samples, 0) : report.totalExits;
    const instr = v ? v.instructions : report.instructions;
    const irqs = interruptSummary(report, state.vcpu);
    summary.textContent = `${exits} exits, ${instr} instructions, clock ${report.clock}${irqs ? `; ${irqs}` : ''}`;
  } else {
    summary.textContent = '';
  }
}

/**
 * The clicked row's histogram below the table, one line per log2 bucket as bpftrace prints
 * it, bars in the theme's chart colour.
 * @param {import('../model').TableRow[]} rows
 */
function renderHistogram(rows) {
  const row = selectedRow(rows, state.selected);
  const bars = row ? histogramBars(row) : [];
  histRows.replaceChildren();
  histTable.hidden = bars.length === 0;
  histHint.hidden = bars.length > 0;
  if (!row) {
    histTitle.textContent = 'Handling time histogram';
    histHint.textContent = 'Click a row to see the distribution of its handling times (log2 buckets, nanoseconds).';
    return;
  }
  const where = state.selected && state.selected.parent ? `${state.selected.parent} / ${row.key}` : row.key;
  histTitle.textContent = `Handling time histogram: ${where} (${row.samples} samples)`;
  if (bars.length === 0) histHint.textContent = 'This report has no histogram for the row.';
  for (const b of bars) {
    const tr = document.createElement('tr');
    if (b.count === 0) tr.className = 'zero';
    const label = document.createElement('td');
    label.textContent = b.label;
    const count = document.createElement('td');
    count.className = 'num';
    count.textContent = String(b.count);
    const bar = document.createElement('td');
    bar.className = 'bar';
    const fill = document.createElement('div');
    fill.className = 'bar-fill';
    fill.style.width = `${b.widthPct}%`;
    bar.appendChild(fill);
    tr.append(label, count, bar);
    histRows.appendChild(tr);
  }
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * The kvm_stat-like live table: per reason the rate over the last interval, the average over
 * the VM's run time (known from one report, so a stopped session shows it) and a sparkline of
 * the last 30 seconds.
 * @param {readonly import('../model').RatePoint[]} series
 */
function renderLive(series) {
  liveBody.replaceChildren();
  for (const th of document.querySelectorAll('th[data-live]')) {
    th.setAttribute('aria-sort', th.getAttribute('data-live') === state.liveSort ? (state.liveSort === 'reason' ? 'ascending' : 'descending') : 'none');
    th.classList.toggle('sorted', th.getAttribute('data-live') === state.liveSort);
  }
  if (!state.report) return;
  for (const r of liveRows(state.report, series, state.vcpu, 30_000, state.liveSort)) {
    const tr = document.createElement('tr');
    tr.className = 'live';
    for (const [text, cls] of [[r.reason, 'name'], [formatRate(r.now), 'num now'], [formatRate(r.average), 'num average']]) {
      const td = document.createElement('td');
      td.className = cls;
      td.textContent = text;
      tr.appendChild(td);
    }
    const td = document.createElement('td');
    const svg = document.createElementNS(SVG_NS, 'svg');
    svg.setAttribute('class', 'spark');
    svg.setAttribute('viewBox', '0 0 160 18');
    svg.setAttribute('preserveAspectRatio', 'none');
    const line = document.createElementNS(SVG_NS, 'polyline');
    line.setAttribute('points', sparklinePoints(r.spark, 160, 18));
    line.style.stroke = colorOf(r.reason);
    svg.appendChild(line);
    td.appendChild(svg);
    tr.appendChild(td);
    liveBody.appendChild(tr);
  }
}

for (const th of document.querySelectorAll('th[data-live]')) {
  const activate = () => {
    state.liveSort = /** @type {import('../model').LiveSortKey} */ (th.getAttribute('data-live'));
    renderChart();
  };
  th.addEventListener('click', activate);
  th.addEventListener('keydown', (e) => {
    const k = /** @type {KeyboardEvent} */ (e).key;
    if (k === 'Enter' || k === ' ') activate();
  });
}

/** The guest code behind the selected row's exit reason: its pcs with the most exits (all vCPUs). */
function renderAttribution() {
  const a = state.report && !state.kvmNames ? attributionFor(state.report, state.selected) : undefined;
  attrSection.hidden = !a;
  attrRows.replaceChildren();
  if (!a) return;
  attrTitle.textContent = `Guest code behind the ${a.reason} exits (${a.samples}, all vCPUs)`;
  for (const site of a.sites) {
    const tr = document.createElement('tr');
    tr.className = 'site';
    for (const [text, cls] of [[site.pc, 'pc'], [String(site.count), 'num'], [site.function ?? '', 'name'],
      [site.symbol ?? '', 'symbol'], [siteLocation(site), 'source']]) {
      const td = document.createElement('td');
      td.className = cls;
      td.textContent = text;
      tr.appendChild(td);
    }
    attrRows.appendChild(tr);
  }
  const listed = a.sites.reduce((n, s) => n + s.count, 0);
  const rest = a.samples - listed;
  attrNote.textContent = rest > 0
    ? `${rest} more exits at other pcs${a.other > 0 ? ` (${a.other} beyond the per-reason table)` : ''}.`
    : '';
}

/** The KVM-names table, shown instead of the perf table and histogram when toggled on. */
function renderKvm() {
  exitTable.hidden = state.kvmNames;
  histSection.hidden = state.kvmNames;
  kvmTable.hidden = !state.kvmNames;
  kvmBody.replaceChildren();
  if (!state.kvmNames) return;
  const rows = state.report ? kvmRows(state.report, state.vcpu) : [];
  if (rows.length === 0) {
    const tr = document.createElement('tr');
    tr.className = 'empty';
    const td = document.createElement('td');
    td.colSpan = 2;
    td.textContent = state.report ? 'This report has no KVM statistics.' : state.emptyReason;
    tr.appendChild(td);
    kvmBody.appendChild(tr);
  }
  for (const r of rows) {
    const tr = document.createElement('tr');
    tr.className = r.count === 0 ? 'kvm zero' : 'kvm';
    const name = document.createElement('td');
    name.className = 'name';
    name.textContent = r.name;
    const count = document.createElement('td');
    count.className = 'num';
    count.textContent = String(r.count);
    tr.append(name, count);
    kvmBody.appendChild(tr);
  }
}

/** Keeps the vCPU options in step with the report's vCPU count. */
function renderFilter() {
  const n = state.report ? state.report.vcpus : 0;
  if (select.options.length === n + 1) return;
  select.replaceChildren(new Option('All vCPUs', 'all'));
  for (let i = 0; i < n; i++) select.appendChild(new Option(`vCPU ${i}`, String(i)));
  if (state.vcpu !== 'all' && state.vcpu >= n) state.vcpu = 'all';
  select.value = String(state.vcpu);
}

function renderAll() {
  renderFilter();
  renderTable();
  renderChart();
}

for (const th of document.querySelectorAll('th[data-key]')) {
  const activate = () => {
    state.sort = nextSort(state.sort, /** @type {SortKey} */ (th.getAttribute('data-key')));
    renderTable();
  };
  th.addEventListener('click', activate);
  th.addEventListener('keydown', (e) => {
    const k = /** @type {KeyboardEvent} */ (e).key;
    if (k === 'Enter' || k === ' ') activate();
  });
}

select.addEventListener('change', () => {
  state.vcpu = select.value === 'all' ? 'all' : Number(select.value);
  renderTable();
  renderChart();
});

kvmToggle.addEventListener('change', () => {
  state.kvmNames = kvmToggle.checked;
  renderTable();
});

byId('reset').addEventListener('click', () => vscode.postMessage({ type: 'reset' }));
byId('export-csv').addEventListener('click', () => vscode.postMessage({ type: 'exportCsv', vcpu: state.vcpu }));

const onFlame = initFlame(vscode);
const comparison = initCompare(vscode);

window.addEventListener('message', (/** @type {MessageEvent<ToWebview>} */ event) => {
  const msg = event.data;
  switch (msg.type) {
    case 'flame':
      onFlame(msg);
      break;
    case 'compare':
      comparison.onCompare(msg);
      break;
    case 'stats':
      state.report = msg.report;
      state.history.push({ report: msg.report, at: msg.at });
      if (state.history.length > MAX_REPORTS) state.history.splice(0, state.history.length - MAX_REPORTS);
      renderAll();
      comparison.onStats(msg.report);
      break;
    case 'empty':
      state.report = undefined;
      state.history = [];
      state.emptyReason = msg.reason;
      renderAll();
      break;
    case 'clear':
      state.history = [];
      renderChart();
      break;
  }
});

renderAll();
vscode.postMessage({ type: 'ready' });
