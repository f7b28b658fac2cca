/**
 * The Exit Statistics webview's HTML shell: a strict Content-Security-Policy with a nonce, the
 * bundled script and stylesheet (dist/webview/exit-stats.{js,css}, built by
 * extension/build-webview.mjs) and the static skeleton the script fills in. The table header
 * is in the markup so the panel shows its columns even before the script runs.
 */
import { randomBytes } from 'node:crypto';
import { COLUMNS } from './model';

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
