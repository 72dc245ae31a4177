import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A tiny JSON router on node:http for the sandboxes (no framework: they ship in dist/). */

export interface SandboxRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  params: Record<string, string>;
  rawBody: Buffer;
  /** Parsed JSON body (URLSearchParams for a form); undefined when empty. */
  body: unknown;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Sent as text/html instead of JSON. */
  html?: string;
}

export type Handler = (req: SandboxRequest) => Reply | Promise<Reply>;
/** Runs before routing; may answer (fault injection), hold the request, or let it through. */
export type Middleware = (req: SandboxRequest, res: http.ServerResponse) => Promise<'handled' | 'next'>;

interface Route {
  method: string;
  parts: string[];
  handler: Handler;
}

export class Router {
  private readonly routes: Route[] = [];

  on(method: string, pattern: string, handler: Handler): this {
    this.routes.push({ method, parts: pattern.split('/').filter(Boolean), handler });
    return this;
  }

  match(method: string, path: string): { handler: Handler; params: Record<string, string> } | 'method' | undefined {
    const parts = path.split('/').filter(Boolean);
    let wrongMethod = false;
    for (const route of this.routes) {
      if (route.parts.length !== parts.length) continue;
      const params: Record<string, string> = {};
      const ok = route.parts.every((p, i) => {
        const actual = parts[i] ?? '';
        if (p.startsWith(':')) {
          params[p.slice(1)] = decodeURIComponent(actual);
          return true;
        }
        return p === actual;
      });
      if (!ok) continue;
      if (route.method !== method) {
        wrongMethod = true;
        continue;
      }
      return { handler: route.handler, params };
    }
    return wrongMethod ? 'method' : undefined;
  }
}

export function json(status: number, body: unknown, headers?: Record<string, string>): Reply {
  return { status, body, headers };
}

export function send(res: http.ServerResponse, reply: Reply): void {
  if (res.headersSent || res.destroyed) return;
  const headers: Record<string, string> = { ...reply.headers };
  let payload = '';
  if (reply.html !== undefined) {
    headers['Content-Type'] = 'text/html; charset=utf-8';
    payload = reply.html;
  } else if (reply.body !== undefined) {
    headers['Content-Type'] = 'application/json; charset=utf-8';
    payload = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  }
  res.writeHead(reply.status, headers);
  res.end(payload);
}

const MAX_BODY = 16 * 1024 * 1024;

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export interface RunningServer {
  url: string;
  port: number;
  server: http.Server;
  close(): Promise<void>;
}

export async function startServer(
  router: Router,
  opts: { port: number; host?: string; middleware?: Middleware; onClose?: () => void },
): Promise<RunningServer> {
  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://sandbox');
      let rawBody: Buffer;
      try {
        rawBody = await readBody(req);
      } catch {
        return send(res, json(413, { error: { code: 'body_too_large', message: 'request body too large' } }));
      }
      let body: unknown;
      if (rawBody.length && /^application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '')) {
        // An HTML form (the admin list's "Send to TotalGest").
        body = new URLSearchParams(rawBody.toString('utf8'));
      } else if (rawBody.length) {
        try {
          body = JSON.parse(rawBody.toString('utf8'));
        } catch {
          return send(res, json(400, { error: { code: 'invalid_json', message: 'request body is not JSON' } }));
        }
      }
      const sreq: SandboxRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        params: {},
        rawBody,
        body,
      };
      if (opts.middleware && (await opts.middleware(sreq, res)) === 'handled') return;
      const found = router.match(sreq.method, sreq.path);
      if (found === undefined)
        return send(res, json(404, { error: { code: 'not_found', message: `no route ${sreq.method} ${sreq.path}` } }));
      if (found === 'method')
        return send(
          res,
          json(405, { error: { code: 'method_not_allowed', message: `${sreq.method} not allowed on ${sreq.path}` } }),
        );
      sreq.params = found.params;
      send(res, await found.handler(sreq));
    })().catch((err: unknown) => {
      send(
        res,
        json(500, { error: { code: 'sandbox_error', message: err instanceof Error ? err.message : String(err) } }),
      );
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        opts.onClose?.();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
