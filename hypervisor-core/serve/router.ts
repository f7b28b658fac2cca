/**
 * The route table of the management API: each route group (routes/*.ts) adds its routes; the
 * server matches method and path, reads a bounded body and answers JSON. A handler throws
 * ApiError for a request it refuses, having changed nothing.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from './api-error';

/** HTTP methods the API uses. */
export type Method = 'GET' | 'POST' | 'DELETE';

/** What a handler gets. */
export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  /** Path parameters (`:name` in the pattern), already validated as names. */
  params: Record<string, string>;
  /** The query string's parameters. */
  query: URLSearchParams;
  /** The request body (empty for GET and DELETE), at most the route's `maxBody` bytes. */
  body: Buffer;
}

/**
 * A handler's answer: a JSON value (status 200, or `status`), or 'streaming' when the handler
 * took over the response (console output, events).
 */
export type RouteResult = { status?: number; json: unknown } | 'streaming';

/** One route. */
export interface Route {
  method: Method;
  /** '/v1/vms/:name/pause': literal segments and `:param` segments. */
  path: string;
  /** Largest body taken, in bytes (default 0: none). */
  maxBody?: number;
  handler(ctx: RouteContext): Promise<RouteResult> | RouteResult;
}

/** Path parameters are VM names: letters, digits, '.', '_' and '-', at most 64 characters. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The routes and their matching. */
export class Router {
  private readonly routes: { route: Route; segments: string[] }[] = [];

  /** Adds a group's routes. */
  add(...routes: Route[]): this {
    for (const route of routes) this.routes.push({ route, segments: route.path.split('/').slice(1) });
    return this;
  }

  /** Every route (the API description is checked against it). */
  list(): readonly Route[] {
    return this.routes.map((r) => r.route);
  }

  /**
   * The route for a request and its parameters. Throws 'not-found' for an unknown path (or a
   * parameter that is not a valid name) and 'method-not-allowed' for a known path.
   */
  match(method: string, pathname: string): { route: Route; params: Record<string, string> } {
    const parts = pathname.split('/').slice(1);
    let pathKnown = false;
    for (const { route, segments } of this.routes) {
      if (segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < segments.length && ok; i++) {
        if (segments[i].startsWith(':')) {
          let value: string;
          try {
            value = decodeURIComponent(parts[i]);
          } catch {
            throw new ApiError('bad-request', 'the path is not valid percent-encoding');
          }
          if (!NAME_PATTERN.test(value)) {
            throw new ApiError('bad-request', `'${value.slice(0, 80)}' is not a VM name (letters, digits, '.', '_', '-'; at most 64)`);
          }
          params[segments[i].slice(1)] = value;
        } else {
          ok = segments[i] === parts[i];
        }
      }
      if (!ok) continue;
      pathKnown = true;
      if (route.method === method) return { route, params };
    }
    if (pathKnown) throw new ApiError('method-not-allowed', `${method} is not allowed on ${pathname}`);
    throw new ApiError('not-found', `no route ${pathname}`);
  }
}
