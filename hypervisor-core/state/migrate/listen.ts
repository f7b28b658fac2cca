/** The destination's listening socket: one connection on the loopback, then no more. */
import { createServer, type Server, type Socket } from 'node:net';
import { MigrationError, parseMigrationAddress } from './wire';

/** A listener waiting for the one migration it takes. */
export interface IncomingListener {
  /** The port it listens on (the one asked for, or the one picked for port 0). */
  port: number;
  /** Resolves with the first connection; the listener closes then. */
  accept(): Promise<Socket>;
  /** Stops listening (nothing arrived, or the owner is going away). */
  close(): void;
}

/** Listens on `address` (127.0.0.1:PORT); MigrationError (one line) when it cannot. */
export async function listenForMigration(address: string): Promise<IncomingListener> {
  const { host, port } = parseMigrationAddress(address, '--incoming');
  const server: Server = createServer();
  let first: ((s: Socket) => void) | null = null;
  const waiting = new Promise<Socket>((resolve) => { first = resolve; });
  server.on('connection', (s) => {
    if (!first) {
      s.destroy(); // one migration per listener
      return;
    }
    const take = first;
    first = null;
    server.close();
    take(s);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      reject(new MigrationError(`cannot listen on ${address}: ${e.code === 'EADDRINUSE' ? 'the port is in use' : e.code ?? e.message}`));
    });
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as { port: number }).port,
    accept: () => waiting,
    close: () => server.close(),
  };
}
