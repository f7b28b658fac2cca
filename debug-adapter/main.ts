/**
 * Entry point of the debug adapter process (`dist/debug-adapter.js`): DAP over stdin/stdout,
 * or with `--server=PORT` a TCP server on 127.0.0.1 taking one session per connection.
 */
import { createServer } from 'node:net';
import { HyperscopeSession } from './session';

const port = process.argv.map((a) => /^--server=(\d+)$/.exec(a)).find((m) => m)?.[1];
if (port !== undefined) {
  createServer((socket) => {
    const session = new HyperscopeSession();
    session.setRunAsServer(true);
    session.start(socket, socket);
  }).listen(Number(port), '127.0.0.1', () => process.stderr.write(`hyperscope debug adapter listening on 127.0.0.1:${port}\n`));
} else {
  const session = new HyperscopeSession();
  process.on('SIGTERM', () => session.shutdown());
  session.start(process.stdin, process.stdout);
}
