/**
 * The guest code behind each exit reason as text, for `hyperscope run --stats=sites|all`:
 * per reason, its pcs with the most exits, the function (inlined copies by their own name), the
 * ELF symbol+offset and the source line when the kernel's ELF has them.
 */
import type { ExitStatsReport } from './report';

/** The attribution block (ends with a newline), at most `top` sites per reason; "" without attribution. */
export function formatAttribution(report: ExitStatsReport, top = 5): string {
  const attribution = report.attribution ?? [];
  if (attribution.length === 0) return '';
  const lines = ['Guest code behind the exits (pcs with the most exits per reason):', ''];
  for (const a of attribution) {
    lines.push(`${a.reason} (${a.samples} exit${a.samples === 1 ? '' : 's'}):`);
    const sites = a.sites.slice(0, top);
    const w = Math.max(...sites.map((s) => String(s.count).length));
    for (const s of sites) {
      const where = [s.function, s.symbol && s.symbol !== s.function ? `(${s.symbol})` : undefined,
        s.file !== undefined ? `${s.file}${s.line !== undefined ? `:${s.line}` : ''}` : undefined].filter((x) => x !== undefined).join('  ');
      lines.push(`  ${String(s.count).padStart(w)}  ${s.pc}${where ? '  ' + where : ''}`);
    }
    const rest = a.samples - sites.reduce((n, s) => n + s.count, 0);
    if (rest > 0) lines.push(`  ${String(rest).padStart(w)}  elsewhere`);
    lines.push('');
  }
  return lines.join('\n');
}
