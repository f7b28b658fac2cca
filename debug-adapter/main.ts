/**
 * Entry point of the debug adapter process (`dist/debug-adapter.js`): DAP over stdin/stdout,
 * or with `--server=PORT` a TCP server on 127.0.0.1 taking one session per connection
 * (port 0: any free port; the listening line says which).
 *
 * A last guard keeps the process alive: an error that escapes every handler is logged as
 * one line on stderr instead of ending all sessions (requests and runs have their own
 * guards; reaching this one is a bug).
 */
import { HyperscopeSession } from './session';
import { oneLine } from './request-args';
import { startServer } from './server';

const log = (line: string): void => { process.stderr.write(`hyperscope debug adapter: ${line}\n`); };
process.on('uncaughtException', (e) => log(`internal error: ${oneLine(e)}`));
process.on('unhandledRejection', (e) => log(`internal error: ${oneLine(e)}`));

const serverArg = process.argv.find((a) => a.startsWith('--server'));
if (serverArg !== undefined) {
  const m = /^--server=(\d{1,5})$/.exec(serverArg);
  if (!m || Number(m[1]) > 65535) {
    log(`bad option '${serverArg}': use --server=PORT with a port from 0 to 65535`);
    process.exit(2);
  }
  startServer(Number(m[1]), log);
} else {
  const session = new HyperscopeSession();
  process.on('SIGTERM', () => session.shutdown());
  session.start(process.stdin, process.stdout);
}
