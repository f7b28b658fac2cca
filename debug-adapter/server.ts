/**
 * Server mode (`--server=PORT`): one debug session per TCP connection on 127.0.0.1. A
 * client that goes away, politely or not, takes its guest with it: when its connection
 * closes the session's VM is stopped and its run loop has returned before the server says
 * so ("client N disconnected: its VM stopped; M sessions left").
 */
import { AddressInfo, Server, createServer } from 'node:net';
import { HyperscopeSession } from './session';
import { oneLine } from './request-args';

/** Starts the server; `log` gets one line per event (listening, connection, disconnection). */
export function startServer(port: number, log: (line: string) => void): Server {
  const live = new Set<HyperscopeSession>();
  let clients = 0;
  const server = createServer((socket) => {
    const id = ++clients;
    const session = new HyperscopeSession();
    session.setRunAsServer(true);
    live.add(session);
    log(`client ${id} connected (${live.size} session${live.size === 1 ? '' : 's'})`);
    let closed = false;
    const close = (why: string) => {
      if (closed) return;
      closed = true;
      void session.dispose().then(() => {
        live.delete(session);
        log(`client ${id} ${why}: its VM stopped; ${live.size} session${live.size === 1 ? '' : 's'} left`);
      });
    };
    socket.on('error', (e) => log(`client ${id}: ${oneLine(e)}`));
    socket.on('close', () => close('disconnected'));
    session.start(socket, socket);
  });
  server.on('error', (e) => {
    log(`cannot listen on 127.0.0.1:${port}: ${oneLine(e)}`);
    process.exitCode = 2;
  });
  server.listen(port, '127.0.0.1', () => log(`listening on 127.0.0.1:${(server.address() as AddressInfo).port}`));
  return server;
}
