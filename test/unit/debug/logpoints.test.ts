/**
 * Logpoint messages (DAP `logMessage`: `{expression}` parts, VS Code's syntax) and the log and
 * count modes of exception filters, with their rate limit on a fake clock.
 */
import { strict as assert } from 'node:assert';
import { formatLogMessage, MAX_LOG_LINE, parseLogMessage } from '../../../hypervisor-core/debug/logpoints';
import { FilterActions, LOG_BURST, LOG_RATE, parseFilterMode } from '../../../hypervisor-core/debug/filter-actions';

describe('logpoint messages', () => {
  it('splits text and {expressions}; \\{ and \\} are literal braces', () => {
    assert.deepEqual(parseLogMessage('a={$a0} b={ *(int*)($sp + 8) }\\{x\\}'),
      [{ text: 'a=' }, { expr: '$a0' }, { text: ' b=' }, { expr: '*(int*)($sp + 8)' }, { text: '{x}' }]);
  });

  it('refuses an unclosed brace, a stray closing brace and an empty {}', () => {
    assert.throws(() => parseLogMessage('x={$a0'), /not closed/);
    assert.throws(() => parseLogMessage('x}'), /has no '\{'/);
    assert.throws(() => parseLogMessage('x={ }'), /empty \{\}/);
  });

  it('shows an expression that fails as <error: ...> and bounds the line', () => {
    const t = parseLogMessage('v={bad} w={ok}');
    const text = formatLogMessage(t, (e) => { if (e === 'bad') throw new Error('unknown name bad'); return '7'; });
    assert.equal(text, 'v=<error: unknown name bad> w=7');
    const long = formatLogMessage(parseLogMessage('{x}'), () => 'y'.repeat(MAX_LOG_LINE * 2));
    assert.equal(long.length, MAX_LOG_LINE + 3);
  });
});

describe('exception filter modes', () => {
  it('stop is the default; log and count run on and are counted', () => {
    const lines: string[] = [];
    const a = new FilterActions((l) => lines.push(l), () => 0);
    a.setModes(new Map([['exit-sbi', parseFilterMode('log')], ['exit-mmio', parseFilterMode('count')], ['exit-wfi', parseFilterMode(undefined)]]));
    assert.equal(a.matched('exit-wfi', () => 'w'), true);
    assert.equal(a.matched('exit-sbi', () => 'call 1'), false);
    assert.equal(a.matched('exit-mmio', () => 'never described'), false);
    assert.equal(a.matched('exit-mmio', () => 'never described'), false);
    assert.deepEqual(lines, ['exit-sbi: call 1']);
    assert.equal(a.stopSummary(), 'counted: exit-sbi 1 (+1 since the last stop), exit-mmio 2 (+2 since the last stop)');
    a.matched('exit-mmio', () => '');
    assert.equal(a.stopSummary(), 'counted: exit-sbi 1 (+0 since the last stop), exit-mmio 3 (+1 since the last stop)');
    assert.throws(() => parseFilterMode('trace'), /unknown breakpoint mode 'trace'/);
  });

  it('an exit storm logs a burst, then a bounded rate, and says how many lines it left out', () => {
    const lines: string[] = [];
    let now = 0;
    const a = new FilterActions((l) => lines.push(l), () => now);
    a.setModes(new Map([['exit-mmio', 'log' as const]]));
    for (let i = 0; i < LOG_BURST + 500; i++) a.matched('exit-mmio', () => `#${i}`);
    assert.equal(lines.length, LOG_BURST);
    now += 1000; // one second later: LOG_RATE more lines may go out
    for (let i = 0; i < LOG_RATE * 2; i++) a.matched('exit-mmio', () => 'later');
    assert.equal(lines[LOG_BURST], '(500 log lines left out: more than 500 a second)');
    assert.equal(lines.length, LOG_BURST + 1 + LOG_RATE);
    assert.match(a.stopSummary()!, /\(\d+ log lines left out|counted: exit-mmio 2500/);
    assert.equal(a.count('exit-mmio'), LOG_BURST + 500 + LOG_RATE * 2);
  });
});
