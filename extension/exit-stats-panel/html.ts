/**
 * The Exit Statistics webview's HTML shell: a strict Content-Security-Policy with a nonce, the
 * bundled script and stylesheet (dist/webview/exit-stats.{js,css}, built by
 * extension/build-webview.mjs) and the static skeleton the script fills in. The table header
 * is in the markup so the panel shows its columns even before the script runs.
 */
import { randomBytes } from 'node:crypto';
import { COLUMNS } from './model';
import { EXIT_REASONS } from '../../hypervisor-core/hypervisor/exit-reason';

/** Where the webview bundle lives, relative to the extension root. */
export const WEBVIEW_BUNDLE_DIR = ['dist', 'webview'] as const;

/** What the HTML needs from the webview: its CSP source and the URIs of the bundle files. */
export interface WebviewAssets {
  cspSource: string;
  scriptUri: string;
  styleUri: string;
}

/** Builds the panel's HTML. */
export function exitStatsHtml(assets: WebviewAssets): string {
  const nonce = randomBytes(16).toString('base64');
  const headers = COLUMNS.map(
    (c) =>
      `<th data-key="${c.key}" class="${c.numeric ? 'num' : ''}" tabindex="0" role="columnheader" aria-sort="none">${c.title}</th>`,
  ).join('');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${assets.cspSource} data:; style-src ${assets.cspSource} 'unsafe-inline'; script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${assets.styleUri}">
<title>Exit Statistics</title>
</head>
<body>
<header class="toolbar">
  <h1>VM exits</h1>
  <label>vCPU <select id="vcpu-filter" aria-label="vCPU filter"><option value="all">All vCPUs</option></select></label>
  <label title="Show the counts under RISC-V KVM's vCPU statistics names (kvm_stat)"><input type="checkbox" id="kvm-names"> KVM names</label>
  <span id="summary" class="summary"></span>
  <span class="spacer"></span>
  <button id="reset" type="button" title="Zero the counters of the running session">Reset</button>
  <button id="export-csv" type="button" title="Save the table as CSV">Export CSV</button>
</header>
<table id="exit-table" class="exit-table">
  <thead><tr>${headers}</tr></thead>
  <tbody id="exit-rows"><tr class="empty"><td colspan="${COLUMNS.length}" id="empty-state">No exit statistics yet: start a Hyperscope debug session.</td></tr></tbody>
</table>
<table id="kvm-table" class="exit-table" hidden>
  <thead><tr><th>KVM vCPU statistic</th><th class="num">Count</th></tr></thead>
  <tbody id="kvm-rows"></tbody>
</table>
<p id="breakdown-note" class="note" hidden>SBI and MMIO breakdowns are counted for all vCPUs together.</p>
<section id="histogram-section" class="histogram" aria-live="polite">
  <h2 id="histogram-title">Handling time histogram</h2>
  <p id="histogram-hint" class="note">Click a row to see the distribution of its handling times (log2 buckets, nanoseconds).</p>
  <table id="histogram" class="hist-table" hidden>
    <thead><tr><th>ns</th><th class="num">count</th><th>distribution</th></tr></thead>
    <tbody id="histogram-rows"></tbody>
  </table>
</section>
<section id="attribution-section" class="attribution" aria-live="polite" hidden>
  <h2 id="attribution-title">Guest code behind the exits</h2>
  <table id="attribution" class="exit-table">
    <thead><tr><th>pc</th><th class="num">exits</th><th>function</th><th>symbol</th><th>source</th></tr></thead>
    <tbody id="attribution-rows"></tbody>
  </table>
  <p id="attribution-note" class="note"></p>
</section>
<section id="compare-section" class="compare">
  <h2>Compare reports (A/B)</h2>
  <div class="flame-controls">
    <button id="compare-files" type="button" title="Compare two --stats-json files: B against A">Compare two files…</button>
    <button id="compare-live" type="button" title="Compare a --stats-json file (A) with this session's statistics (B)">Compare a file with this session…</button>
  </div>
  <p id="compare-hint" class="note">Two reports side by side: exits, host time and guest instructions per exit of each reason, with the change from A to B (as <code>hyperscope report A B</code>).</p>
  <div id="compare-headers" class="compare-headers"></div>
  <table id="compare-table" class="exit-table compare-table" hidden>
    <thead><tr><th>VM-EXIT</th><th class="num">Exits A</th><th class="num">Exits B</th><th class="num">Δ</th><th class="num">Host time A</th><th class="num">Host time B</th><th class="num">Δ</th><th class="num">Instr/exit A</th><th class="num">Instr/exit B</th><th class="num">Δ</th></tr></thead>
    <tbody id="compare-rows"></tbody>
  </table>
</section>
<section id="flame-section" class="flame">
  <h2>Guest call stacks at exits (flame graph)</h2>
  <div class="flame-controls">
    <label>Exit reason <select id="flame-reason" aria-label="Exit reason to sample">${EXIT_REASONS.map((r) => `<option value="${r}"${r === 'mmio' ? ' selected' : ''}>${r}</option>`).join('')}</select></label>
    <label title="Sample one exit in this many (1: every exit)">every <input id="flame-period" type="number" min="1" max="1000000" value="1" aria-label="Sampling period"> exits</label>
    <button id="flame-start" type="button" title="Sample the guest's call stack at exits of this reason (forgets earlier samples)">Sample</button>
    <button id="flame-stop" type="button" title="Stop sampling; the graph stays">Stop</button>
    <button id="flame-export" type="button" title="Save the stacks as folded text (flamegraph.pl, speedscope)">Export folded</button>
  </div>
  <p id="flame-summary" class="note">Not sampling. Choose an exit reason and press Sample.</p>
  <div id="flame-graph" class="flame-graph" role="img" aria-label="Flame graph of guest call stacks at exits"></div>
</section>
<section id="live-section" class="live">
  <h2>Live: exits per second</h2>
  <table id="live-table" class="exit-table live-table">
    <thead><tr><th data-live="reason" tabindex="0" aria-sort="none">reason</th><th data-live="now" class="num" tabindex="0" aria-sort="descending">now</th><th data-live="average" class="num" tabindex="0" aria-sort="none">average</th><th>last 30 s</th></tr></thead>
    <tbody id="live-rows"></tbody>
  </table>
</section>
<section class="chart">
  <h2>Exits per second by reason</h2>
  <div class="chart-box"><canvas id="rate-chart" aria-label="Exits per second by reason over time"></canvas></div>
</section>
<script nonce="${nonce}" src="${assets.scriptUri}"></script>
</body>
</html>`;
}
