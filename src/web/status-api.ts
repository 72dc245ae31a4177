import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { timingSafeEqual, createHash } from 'node:crypto';
import { z } from 'zod';
import { describeProblems, zodProblems } from '../core/schema-primitives';
import { LINK_STATES, pickLang, type Lang, type LinkState } from '../core/status-labels';
import type { StatusReader } from '../engine/status';
import type { ExportReport } from '../engine/export-report';
import { CommandError } from '../engine/errors';
import { renderStatusPage, STATUS_SCRIPT } from './status-page';

/** Node-RED's `httpNodeCors` setting (the options of the `cors` middleware the core http nodes use). */
export interface CorsSetting {
  origin?: unknown;
  credentials?: unknown;
}

export interface StatusApiOptions {
  /** Required for every JSON endpoint and action; empty = none set, so nothing is authorised. */
  token: string;
  /** GET endpoints answer without a token; actions (retry) still need it. */
  publicRead: boolean;
  defaultLang: Lang;
  /** Origin allowed to call the API from a browser (Framework360's admin); empty = none. */
  corsOrigin: string;
  /** Node-RED's httpNodeCors, honoured beside the node's own origin. */
  httpNodeCors?: CorsSetting;
  status: () => StatusReader;
  retryOrders: (ids: string[]) => string[];
  /**
   * The manual export of a tg-push-order node on the same connection (waiting up to the node's
   * bound); `unavailable` when there is none.
   */
  exportOrders: (ids: string[], opts: { dryRun: boolean; force: boolean }) => Promise<ExportAnswer>;
}

/** What the export action answers: the report, or why it could not run. */
export type ExportAnswer =
  { kind: 'report'; report: ExportReport } | { kind: 'refused' | 'unavailable'; statusCode: number; message: string };

/** The request as express hands it over (`baseUrl` is where Node-RED mounted its HTTP nodes). */
export type StatusRequest = IncomingMessage & { originalUrl?: string; baseUrl?: string };

/** The page sends the token here, so `Authorization` stays free for httpNodeAuth's Basic credentials. */
export const TOKEN_HEADER = 'x-totalgest-token';

export const MAX_IDS = 500;
const ORDER_ID = /^\d{1,15}$/;
const SKU = /^[^\s,\u0000-\u001f]{1,64}$/;

function send(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...extra });
  res.end(JSON.stringify(body));
}

function sameSecret(given: string, expected: string): boolean {
  // Hash both so the comparison is constant-time whatever the lengths.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function originAllowed(origin: string, rule: unknown): boolean {
  if (rule === true || rule === '*') return true;
  if (typeof rule === 'string') return rule === origin;
  if (rule instanceof RegExp) return rule.test(origin);
  if (Array.isArray(rule)) return rule.some((r) => originAllowed(origin, r));
  return false;
}

/** CORS headers for an allowed origin; none for the same origin or a refused one. */
function corsHeaders(origin: string | undefined, opts: StatusApiOptions): Record<string, string> {
  if (!origin) return {};
  const fromNode = opts.corsOrigin !== '' && origin === opts.corsOrigin;
  // The cors middleware's default origin is "*" when httpNodeCors is set without one.
  const fromSettings = opts.httpNodeCors !== undefined && originAllowed(origin, opts.httpNodeCors.origin ?? '*');
  if (!fromNode && !fromSettings) return {};
  // Content-Type: the export action's JSON body makes the browser ask first.
  const common = {
    'Access-Control-Allow-Headers': `Authorization, ${TOKEN_HEADER}, Content-Type`,
    'Access-Control-Allow-Methods': 'GET, POST',
    Vary: 'Origin',
  };
  // A wildcard answers "*" and never with credentials, as the cors middleware does: any site may
  // read with its own token, none with the visitor's login.
  if (!fromNode && (opts.httpNodeCors?.origin ?? '*') === '*') return { 'Access-Control-Allow-Origin': '*', ...common };
  return {
    'Access-Control-Allow-Origin': origin,
    ...common,
    ...(fromSettings && opts.httpNodeCors?.credentials === true ? { 'Access-Control-Allow-Credentials': 'true' } : {}),
  };
}

function sameOrigin(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

function givenToken(req: IncomingMessage): string {
  const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  if (bearer) return bearer.trim();
  const h = req.headers[TOKEN_HEADER];
  return (Array.isArray(h) ? h[0] : h)?.trim() ?? '';
}

/** The export action's body: at most MAX_IDS order ids; flags are booleans when given. */
const exportBodySchema = z
  .object({
    ids: z
      .array(
        z
          .union([z.string(), z.number()], {
            error: (issue) =>
              `${JSON.stringify(issue.input) ?? String(issue.input)} is not an order id (digits only, up to 15)`,
          })
          .transform((v, ctx) => {
            const text = String(v).trim();
            if (!ORDER_ID.test(text)) {
              ctx.addIssue({
                code: 'custom',
                message: `${JSON.stringify(String(v).slice(0, 40))} is not an order id (digits only, up to 15)`,
              });
              return z.NEVER;
            }
            // One spelling per order: "010452" is 10452.
            return String(BigInt(text));
          }),
        { error: 'must be an array of order ids' },
      )
      .min(1, 'give at least one order id')
      .max(MAX_IDS, {
        error: (issue) =>
          `at most ${MAX_IDS} per request, got ${Array.isArray(issue.input) ? issue.input.length : '?'}`,
      }),
    dryRun: z.boolean({ error: 'must be true or false' }).optional(),
    force: z.boolean({ error: 'must be true or false' }).optional(),
  })
  .strict();

/** The JSON body: as a body parser left it, else read here (bounded: 500 ids fit in a few kB). */
function readJson(req: StatusRequest & { body?: unknown }): Promise<unknown> {
  // A body parser in httpNodeMiddleware may have read it; one that did not match leaves `{}` and the stream unread.
  const given = req.body;
  if (
    typeof given === 'object' &&
    given !== null &&
    !Buffer.isBuffer(given) &&
    (Object.keys(given).length > 0 || req.readableEnded)
  )
    return Promise.resolve(given);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 64 * 1024) {
        reject(new CommandError('body: larger than 64 kB', 413));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(text.trim() === '' ? {} : JSON.parse(text));
      } catch {
        reject(new CommandError('body: not valid JSON', 400));
      }
    });
    req.on('error', reject);
  });
}

function idList(value: string | null, name: string, pattern: RegExp, what: string): string[] {
  if (value === null || value.trim() === '')
    throw new CommandError(
      `${name}: give a comma-separated list, e.g. ?${name}=${what === 'order id' ? '10452,10453' : 'CAF-250,TEA-100'}`,
      400,
    );
  const ids = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (ids.length > MAX_IDS) throw new CommandError(`${name}: at most ${MAX_IDS} per request, got ${ids.length}`, 400);
  const bad = ids.find((id) => !pattern.test(id));
  if (bad !== undefined)
    throw new CommandError(`${name}: ${JSON.stringify(bad.slice(0, 80))} is not a valid ${what}`, 400);
  return [...new Set(ids)];
}

function listQuery(q: URLSearchParams): { state?: LinkState; search?: string; offset: number; limit: number } {
  const state = q.get('state') || undefined;
  if (state !== undefined && !(LINK_STATES as readonly string[]).includes(state))
    throw new CommandError(`state: must be one of ${LINK_STATES.join(', ')}`, 400);
  const offset = Number(q.get('offset') ?? '0');
  const limit = Number(q.get('limit') ?? '50');
  if (!Number.isInteger(offset) || offset < 0) throw new CommandError('offset: must be a whole number ≥ 0', 400);
  if (!Number.isInteger(limit) || limit < 1 || limit > 200)
    throw new CommandError('limit: must be a whole number from 1 to 200', 400);
  const search = (q.get('q') ?? '').trim().slice(0, 64) || undefined;
  return { state: state as LinkState | undefined, search, offset, limit };
}

const RESOURCES = new Set([
  '/',
  `/${STATUS_SCRIPT}`,
  '/summary',
  '/orders',
  '/products',
  '/list/orders',
  '/list/products',
  '/orders/export',
]);

/** The page's script as built (dist/web/browser), read once: it does not change while the runtime runs. */
let pageScript: Buffer | undefined;
function statusScript(): Buffer {
  pageScript ??= readFileSync(path.join(__dirname, 'browser', STATUS_SCRIPT));
  return pageScript;
}

/** Whether a sub-path (what follows the node's path) is one of ours; anything else is left to other routes. */
export function isStatusRoute(sub: string): boolean {
  const path = sub.replace(/\/+$/, '') || '/';
  return RESOURCES.has(path) || /^\/orders\/[^/]+\/retry$/.test(path);
}

/**
 * The status API and page as a request handler, for the routes tg-status registers under its
 * path (`sub` is what follows the path: "", "/", "/summary"…): GET summary, orders?ids=,
 * products?skus=, list/orders, list/products; POST orders/:id/retry; GET / the page.
 * Shows ids, numbers, states and errors — never addresses or secrets.
 */
export function statusApiHandler(opts: StatusApiOptions) {
  /** POST orders/export: the body validated whole (nothing runs on a bad one), then the push node's export. */
  async function exportAction(req: StatusRequest): Promise<{ status: number; body: unknown }> {
    const parsed = exportBodySchema.safeParse(await readJson(req));
    if (!parsed.success) throw new CommandError(describeProblems(zodProblems(parsed.error)), 400);
    const { ids, dryRun = false, force = false } = parsed.data;
    const answer = await opts.exportOrders([...new Set(ids)], { dryRun, force });
    if (answer.kind !== 'report') throw new CommandError(answer.message, answer.statusCode);
    return { status: 200, body: answer.report };
  }

  return (req: StatusRequest, res: ServerResponse, route: { mount: string; sub: string }): void => {
    const url = new URL(req.url ?? '/', 'http://status');
    const path = route.sub.replace(/\/+$/, '') || '/';
    const lang = pickLang(url.searchParams.get('lang') ?? undefined, req.headers['accept-language'], opts.defaultLang);
    const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
    const cors = corsHeaders(origin, opts);
    try {
      if (req.method === 'OPTIONS') {
        res.writeHead(cors['Access-Control-Allow-Origin'] ? 204 : 403, cors);
        res.end();
        return;
      }
      // HEAD as GET throughout (a proxy or a monitor checks it so): Node sends the headers only.
      const read = req.method === 'GET' || req.method === 'HEAD';
      if (path === '/' && read) {
        if (!route.sub.endsWith('/')) {
          res.writeHead(301, { Location: `${route.mount}/` });
          res.end();
          return;
        }
        res.writeHead(200, {
          'Content-Type': 'text/html; charset=utf-8',
          'Cache-Control': 'no-store',
          // The script is a file beside the page: no inline script runs (the config is JSON, not code).
          'Content-Security-Policy':
            "default-src 'self'; style-src 'unsafe-inline'; script-src 'self'; frame-ancestors 'self'",
          'X-Frame-Options': 'SAMEORIGIN',
        });
        res.end(renderStatusPage({ lang, tokenRequired: !opts.publicRead }));
        return;
      }
      // Like the page, its script holds no data: served without a token.
      if (path === `/${STATUS_SCRIPT}` && read) {
        res.writeHead(200, {
          'Content-Type': 'text/javascript; charset=utf-8',
          'Cache-Control': 'no-cache',
          'X-Content-Type-Options': 'nosniff',
        });
        res.end(statusScript());
        return;
      }
      const action = !read;
      // A page elsewhere must not drive the actions (cross-site request forgery): only this
      // origin, or one allowed by CORS, may send them.
      if (
        action &&
        origin !== undefined &&
        !sameOrigin(origin, req.headers.host) &&
        !cors['Access-Control-Allow-Origin']
      )
        throw new CommandError(`cross-origin request from ${origin.slice(0, 80)} refused`, 403);
      if (action || !opts.publicRead) {
        if (!opts.token)
          return send(
            res,
            401,
            {
              error:
                'no access token is set on the tg-status node: open it in the editor (one is generated) and deploy',
            },
            cors,
          );
        const given = givenToken(req);
        if (!given || !sameSecret(given, opts.token))
          return send(
            res,
            401,
            { error: 'a valid bearer token is required (Authorization: Bearer <token>)' },
            { ...cors, 'WWW-Authenticate': 'Bearer' },
          );
      }
      if (path === '/orders/export' && req.method === 'POST') {
        exportAction(req).then(
          (r) => send(res, r.status, r.body, cors),
          (err: unknown) => {
            if (err instanceof CommandError) return send(res, err.statusCode, { error: err.message }, cors);
            send(res, 503, { error: `export unavailable: ${err instanceof Error ? err.message : String(err)}` }, cors);
          },
        );
        return;
      }
      const status = opts.status();
      const retry = /^\/orders\/([^/]+)\/retry$/.exec(path);
      if (retry && req.method === 'POST') {
        const [id] = idList(decodeURIComponent(retry[1]!), 'order id', ORDER_ID, 'order id');
        const retried = opts.retryOrders([id!]);
        if (retried.length === 0)
          throw new CommandError(`order ${id}: nothing to retry (only failed orders can be retried)`, 409);
        return send(res, 202, { retried }, cors);
      }
      // The actions exist for POST only: any other method there is 405 naming the allowed ones (RFC 9110), not 404.
      const postOnly = path === '/orders/export' || retry !== null;
      if (!read || postOnly)
        return send(
          res,
          405,
          { error: `${req.method ?? ''} is not allowed here` },
          { ...cors, Allow: postOnly ? 'POST' : 'GET, HEAD' },
        );
      switch (path) {
        case '/summary':
          return send(res, 200, status.summary(), cors);
        case '/orders':
          return send(
            res,
            200,
            status.orderStatuses(idList(url.searchParams.get('ids'), 'ids', ORDER_ID, 'order id'), lang),
            cors,
          );
        case '/products':
          return send(
            res,
            200,
            status.productStatuses(idList(url.searchParams.get('skus'), 'skus', SKU, 'SKU'), lang),
            cors,
          );
        case '/list/orders':
          return send(res, 200, status.listOrders(listQuery(url.searchParams), lang), cors);
        case '/list/products':
          return send(res, 200, status.listProducts(listQuery(url.searchParams), lang), cors);
        default:
          throw new CommandError(`no such status resource: ${path}`, 404);
      }
    } catch (err) {
      if (err instanceof CommandError) return send(res, err.statusCode, { error: err.message }, cors);
      send(res, 503, { error: `status unavailable: ${err instanceof Error ? err.message : String(err)}` }, cors);
    }
  };
}
