// @ts-check
/**
 * The A/B comparison section of the Exit Statistics webview: two reports side by side (from
 * ../compare-model.ts), each with a header naming it with its clock, vCPUs and, when present,
 * its MMU and CPU virtualisation modes. With B 'live' the session's newest report is B.
 */
import { compareHeader, compareLines, headerText, formatIpe, formatTimeUs } from '../compare-model';

/** @typedef {import('../../../hypervisor-core/hypervisor/stats/report').ExitStatsReport} ExitStatsReport */
/** @typedef {import('../compare-model').CompareSide} CompareSide */
/** @typedef {import('../messages').FromWebview} FromWebview */

/** @param {string} id */
function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`exit-stats webview: #${id} missing`);
  return el;
}

const SECTION_TITLES = { reason: '', sbi: 'SBI calls', mmio: 'MMIO devices', virtio: 'Virtio notifications' };

/** The class of a change cell: more exits or time is worse (up), fewer better (down). @param {string} d */
function deltaClass(d) {
  return d.startsWith('+') && d !== '+0.00%' ? 'num up' : d.startsWith('-') ? 'num down' : 'num';
}

/**
 * Wires the comparison section; returns handlers for 'compare' messages and new live reports.
 * @param {{ postMessage(msg: FromWebview): void }} vscode
 */
export function initCompare(vscode) {
  const headers = byId('compare-headers');
  const table = byId('compare-table');
  const rows = byId('compare-rows');
  /** @type {{ a: CompareSide, b: CompareSide | 'live' } | undefined} */
  let shown;
  /** @type {ExitStatsReport | undefined} */
  let live;

  byId('compare-files').addEventListener('click', () => vscode.postMessage({ type: 'compare', live: false }));
  byId('compare-live').addEventListener('click', () => vscode.postMessage({ type: 'compare', live: true }));

  function render() {
    headers.replaceChildren();
    rows.replaceChildren();
    table.hidden = true;
    if (!shown) return;
    const a = shown.a;
    const b = shown.b === 'live' ? (live ? { label: 'this session (live)', report: live } : undefined) : shown.b;
    const ha = compareHeader(a);
    for (const [which, h] of /** @type {const} */ ([['A', ha], ['B', b ? compareHeader(b) : undefined]])) {
      const p = document.createElement('p');
      p.className = `header-${which}`;
      p.textContent = h
        ? `${headerText(which, h)}: ${h.totalExits} exits, ${h.instructions} instructions, ${formatIpe(h.instructionsPerExit)} instructions per exit`
        : `${which}: this session (no statistics yet)`;
      headers.appendChild(p);
    }
    if (!b) return;
    table.hidden = false;
    let section = '';
    for (const l of compareLines(a.report, b.report)) {
      if (l.section !== section) {
        section = l.section;
        const title = SECTION_TITLES[l.section];
        if (title) {
          const tr = document.createElement('tr');
          tr.className = 'section';
          const td = document.createElement('td');
          td.colSpan = 10;
          td.textContent = title;
          tr.appendChild(td);
          rows.appendChild(tr);
        }
      }
      const tr = document.createElement('tr');
      tr.className = l.section === 'reason' ? 'cmp-reason' : 'cmp-child';
      tr.setAttribute('data-key', `${l.section}:${l.key}`);
      /** @type {[string, string][]} */
      const cells = [
        [l.key, 'name'],
        [l.exitsA === undefined ? '-' : String(l.exitsA), 'num'], [l.exitsB === undefined ? '-' : String(l.exitsB), 'num'], [l.exitsDelta, deltaClass(l.exitsDelta)],
        [formatTimeUs(l.timeA), 'num'], [formatTimeUs(l.timeB), 'num'], [l.timeDelta, deltaClass(l.timeDelta)],
        [formatIpe(l.ipeA), 'num'], [formatIpe(l.ipeB), 'num'], [l.ipeDelta, 'num'],
      ];
      for (const [text, cls] of cells) {
        const td = document.createElement('td');
        td.className = cls;
        td.textContent = text;
        tr.appendChild(td);
      }
      rows.appendChild(tr);
    }
  }

  return {
    /** @param {{ a: CompareSide, b: CompareSide | 'live' }} msg */
    onCompare(msg) {
      shown = { a: msg.a, b: msg.b };
      render();
      byId('compare-section').scrollIntoView({ block: 'nearest' });
    },
    /** @param {ExitStatsReport | undefined} report */
    onStats(report) {
      live = report;
      if (shown?.b === 'live') render();
    },
  };
}
