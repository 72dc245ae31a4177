import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { NodeAPI } from 'node-red';
import { openStateDatabase } from '../../src/store/state-db';
import { dist, helper } from '../helpers/red';
import { seedStatusRows } from '../helpers/status-fixtures';
import { offlineConnectionCredentials, statusFlow } from '../helpers/status-node-flow';

const TOKEN = 'tok-9f2c41d7e8';
type Middleware = (req: http.IncomingMessage, res: http.ServerResponse, next: () => void) => void;

/**
 * The status API as Node-RED serves it: a tg-status node in a test runtime registers its
 * routes on the runtime's HTTP node app, which this file serves on loopback the way Node-RED
 * mounts it (under httpNodeRoot). Every test gets a fresh user directory and state database.
 */
describe('status API through Node-RED (real HTTP on loopback)', () => {
  let userDir: string;
  let server: http.Server | undefined;
  let base = '';
  let httpNode: Middleware | undefined;
  /** A module whose only job is to hand this test the runtime's HTTP node app. */
  const capture = (RED: NodeAPI): void => {
    httpNode = RED.httpNode as unknown as Middleware;
  };

  beforeEach(() => {
    userDir = mkdtempSync(path.join(os.tmpdir(), 'tg-status-api-'));
    const db = openStateDatabase(path.join(userDir, 'totalgest', 'state-c1.sqlite'));
    seedStatusRows(db, 1200);
    db.close();
  });
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
    if (server) await new Promise((r) => server!.close(r));
    server = undefined;
    httpNode = undefined;
    rmSync(userDir, { recursive: true, force: true });
  });

  /** Starts a runtime with one tg-status node and serves its HTTP node app under `root`. */
  async function start(
    opts: {
      node?: Record<string, unknown>;
      token?: string | null;
      settings?: Record<string, unknown>;
      root?: string;
      gate?: Middleware;
    } = {},
  ) {
    helper.settings({ userDir, ...opts.settings });
    await helper.startServer();
    const creds: Record<string, Record<string, string>> = { c1: offlineConnectionCredentials };
    if (opts.token !== null) creds.s1 = { token: opts.token ?? TOKEN };
    await helper.load([dist('totalgest-config.js'), dist('tg-status.js'), capture], statusFlow(opts.node), creds);
    const root = opts.root ?? '';
    const app = httpNode!;
    server = http.createServer((req, res) => {
      // Node-RED mounts its HTTP node app under httpNodeRoot: express strips it and sets baseUrl.
      if (root && !req.url!.startsWith(root)) return res.writeHead(404).end();
      Object.assign(req, { baseUrl: root, originalUrl: req.url });
      req.url = req.url!.slice(root.length) || '/';
      const serve = () => app(req, res, () => res.writeHead(404, { 'Content-Type': 'text/plain' }).end('no route'));
      if (opts.gate) opts.gate(req, res, serve);
      else serve();
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}${root}/totalgest/status`;
  }

  const auth = { Authorization: `Bearer ${TOKEN}` };
  const get = async (p: string, headers: Record<string, string> = auth) => {
    const res = await fetch(`${base}${p}`, { headers, redirect: 'manual' });
    const text = await res.text();
    return {
      status: res.status,
      body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text,
      headers: res.headers,
    };
  };
  const post = async (p: string, headers: Record<string, string> = auth) => {
    const res = await fetch(`${base}${p}`, { method: 'POST', headers });
    return { status: res.status, body: (await res.json()) as Record<string, any>, headers: res.headers };
  };
  const JSON_PATHS = ['/summary', '/orders?ids=1001', '/products?skus=CAF-250', '/list/orders', '/list/products'];

  it('answers every order state, unknown ids as not linked, labels in the asked language', async () => {
    await start();
    const r = await get('/orders?ids=1001,1002,1003,1004,1005,999999');
    assert.equal(r.status, 200);
    const s = (id: string) => [r.body[id].state, r.body[id].label];
    assert.deepEqual(s('1001'), ['pending', 'Pending']);
    assert.deepEqual(s('1002'), ['linked', 'Linked']);
    assert.equal(r.body['1002'].number, '2026-000002');
    assert.deepEqual(s('1003'), ['failed', 'Failed']);
    assert.equal(r.body['1003'].error, 'lines[0].sku: unknown article');
    assert.deepEqual([...s('1004'), r.body['1004'].reason], ['not_linked', 'Not linked', 'cancelled']);
    assert.deepEqual([...s('1005'), r.body['1005'].reason], ['failed', 'Failed', 'total_mismatch']);
    assert.deepEqual(s('999999'), ['not_linked', 'Not linked']);
    assert.equal((await get('/orders?ids=999999&lang=de')).body['999999'].label, 'Nicht verbunden');
    assert.equal(
      (await get('/orders?ids=999999', { ...auth, 'Accept-Language': 'it-CH,it;q=0.9' })).body['999999'].label,
      'Non collegato',
    );
  });

  it('answers products by SKU', async () => {
    await start();
    const r = await get('/products?skus=CAF-250,OLD-1,BAD-1,NOPE');
    assert.deepEqual(
      ['CAF-250', 'OLD-1', 'BAD-1', 'NOPE'].map((k) => r.body[k].state),
      ['linked', 'linked', 'failed', 'not_linked'],
    );
    assert.equal(r.body['OLD-1'].reason, 'deactivated');
    assert.equal(r.body['BAD-1'].error, 'products/save: Invalid product: price');
  });

  it('validates and caps ids with a clear 400: 500 accepted, 501 refused', async () => {
    await start();
    const ids = (n: number) => Array.from({ length: n }, (_, i) => i + 1).join(',');
    const ok = await get(`/orders?ids=${ids(500)}`);
    assert.equal(ok.status, 200);
    assert.equal(Object.keys(ok.body).length, 500);
    const cases: Array<[string, string]> = [
      [`/orders?ids=${ids(501)}`, 'ids: at most 500 per request, got 501'],
      ['/orders?ids=12,abc', 'ids: "abc" is not a valid order id'],
      ['/orders', 'ids: give a comma-separated list, e.g. ?ids=10452,10453'],
      ['/products?skus=', 'skus: give a comma-separated list, e.g. ?skus=CAF-250,TEA-100'],
      ['/list/orders?state=lost', 'state: must be one of linked, pending, failed, needs_review, not_linked'],
      ['/list/products?limit=1000', 'limit: must be a whole number from 1 to 200'],
    ];
    for (const [p, msg] of cases) {
      const r = await get(p);
      assert.deepEqual([r.status, r.body.error], [400, msg], p);
    }
    assert.equal((await get('/nope')).status, 404);
  });

  it('refuses every JSON endpoint and retry without the token, or with a wrong one', async () => {
    await start();
    for (const p of JSON_PATHS) {
      const none = await get(p, {});
      assert.deepEqual([none.status, none.headers.get('www-authenticate')], [401, 'Bearer'], p);
      assert.equal((await get(p, { Authorization: 'Bearer wrong' })).status, 401, p);
      assert.equal((await get(p, { Authorization: `Bearer ${TOKEN}x` })).status, 401, p);
      assert.equal((await get(p)).status, 200, p);
      // The page's header, for installations where httpNodeAuth holds Authorization.
      assert.equal((await get(p, { 'X-TotalGest-Token': TOKEN })).status, 200, p);
    }
    assert.equal((await post('/orders/1003/retry', {})).status, 401);
    assert.equal((await post('/orders/1003/retry', { Authorization: 'Bearer wrong' })).status, 401);
    assert.equal((await get('/orders?ids=1003')).body['1003'].state, 'failed', 'nothing was retried');
    const page = await get('/', {});
    assert.equal(page.status, 200, 'the page itself holds no data');
    assert.ok(!String(page.body).includes(TOKEN));
  });

  it('refuses everything when the node has no token, and says why', async () => {
    await start({ token: null });
    for (const p of JSON_PATHS) {
      const r = await get(p, {});
      assert.deepEqual(
        [r.status, r.body.error],
        [401, 'no access token is set on the tg-status node: open it in the editor (one is generated) and deploy'],
        p,
      );
      assert.equal((await get(p, { Authorization: 'Bearer ' })).status, 401, p);
    }
    assert.equal((await post('/orders/1003/retry', {})).status, 401);
    const calls = helper.getNode('s1').status.getCalls() as Array<{ args: Array<{ fill?: string; text?: string }> }>;
    assert.deepEqual(
      [calls.at(-1)!.args[0]!.fill, calls.at(-1)!.args[0]!.text],
      ['yellow', 'no token: API closed · ⚠ 1,203 linked · 3 failed · 1 queued'],
    );
  });

  it('public read-only: reads without the token, retry still needs it', async () => {
    await start({ node: { publicRead: true } });
    for (const p of JSON_PATHS) assert.equal((await get(p, {})).status, 200, p);
    const refused = await post('/orders/1003/retry', {});
    assert.deepEqual(
      [refused.status, refused.body.error],
      [401, 'a valid bearer token is required (Authorization: Bearer <token>)'],
    );
    assert.equal((await get('/orders?ids=1003', {})).body['1003'].state, 'failed');
    const ok = await post('/orders/1003/retry');
    assert.deepEqual([ok.status, ok.body.retried], [202, ['1003']]);
    assert.equal((await get('/orders?ids=1003', {})).body['1003'].state, 'pending');
  });

  it('refuses a cross-origin POST even with the token; same origin and the allowed origin pass', async () => {
    await start({ node: { corsOrigin: 'https://shop.example.ch' } });
    const evil = await post('/orders/1003/retry', { ...auth, Origin: 'https://evil.example' });
    assert.deepEqual([evil.status, evil.body.error], [403, 'cross-origin request from https://evil.example refused']);
    assert.equal(evil.headers.get('access-control-allow-origin'), null);
    assert.equal((await get('/orders?ids=1003')).body['1003'].state, 'failed', 'nothing was retried');
    const preflight = await fetch(`${base}/orders/1003/retry`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.example' },
    });
    assert.deepEqual([preflight.status, preflight.headers.get('access-control-allow-origin')], [403, null]);
    const shopPreflight = await fetch(`${base}/orders/1003/retry`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://shop.example.ch' },
    });
    assert.deepEqual(
      [
        shopPreflight.status,
        shopPreflight.headers.get('access-control-allow-origin'),
        shopPreflight.headers.get('access-control-allow-headers'),
      ],
      [204, 'https://shop.example.ch', 'Authorization, x-totalgest-token, Content-Type'],
    );
    const same = await post('/orders/1003/retry', { ...auth, Origin: new URL(base).origin });
    assert.deepEqual([same.status, same.body.retried], [202, ['1003']]);
    const read = await get('/summary', { ...auth, Origin: 'https://shop.example.ch' });
    assert.equal(read.headers.get('access-control-allow-origin'), 'https://shop.example.ch');
  });

  it("honours Node-RED's httpNodeMiddleware and httpNodeCors", async () => {
    const seen: string[] = [];
    const middleware: Middleware = (req, res, next) => {
      seen.push(req.url ?? '');
      if (req.headers['x-blocked']) return void res.writeHead(418).end();
      next();
    };
    await start({
      settings: { httpNodeMiddleware: middleware, httpNodeCors: { origin: ['https://a.example', /\.b\.example$/] } },
    });
    assert.equal((await get('/summary')).status, 200);
    assert.equal((await get('/summary', { ...auth, 'X-Blocked': '1' })).status, 418);
    assert.deepEqual(seen, ['/totalgest/status/summary', '/totalgest/status/summary']);
    const a = await get('/summary', { ...auth, Origin: 'https://a.example' });
    const b = await get('/summary', { ...auth, Origin: 'https://x.b.example' });
    const c = await get('/summary', { ...auth, Origin: 'https://c.example' });
    assert.deepEqual(
      [a, b, c].map((r) => r.headers.get('access-control-allow-origin')),
      ['https://a.example', 'https://x.b.example', null],
    );
  });

  it('works behind httpNodeAuth: Basic credentials in Authorization, the token in X-TotalGest-Token', async () => {
    // Node-RED puts httpNodeAuth in front of the whole HTTP node app (basic auth, as red.js does).
    const basic = `Basic ${Buffer.from('site:pass').toString('base64')}`;
    const gate: Middleware = (req, res, next) =>
      req.headers.authorization === basic
        ? next()
        : void res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="Authorization Required"' }).end();
    await start({ gate });
    assert.equal((await get('/summary', { 'X-TotalGest-Token': TOKEN })).status, 401, 'the site login comes first');
    assert.equal((await get('/summary', { Authorization: basic })).status, 401, 'then the token');
    assert.equal((await get('/summary', { Authorization: basic, 'X-TotalGest-Token': TOKEN })).status, 200);
    assert.equal((await post('/orders/1003/retry', { Authorization: basic, 'X-TotalGest-Token': TOKEN })).status, 202);
  });

  it('registers no route when httpNodeRoot is false', async () => {
    await start({ settings: { httpNodeRoot: false } });
    const r = await get('/summary');
    assert.deepEqual([r.status, r.body], [404, 'no route']);
    const warned = helper.getNode('s1').warn.getCalls() as Array<{ args: unknown[] }>;
    assert.deepEqual(
      warned.map((c) => c.args[0]),
      ['httpNodeRoot is false: the status API and page are off (the node still answers messages)'],
    );
  });

  it('summarises counts, queue, oldest pending and the last error', async () => {
    await start();
    const s = (await get('/summary')).body;
    assert.deepEqual(s.orders, { linked: 1, pending: 1, failed: 2, needs_review: 0, not_linked: 1 });
    assert.deepEqual([s.products.linked, s.products.failed, s.products.deactivated], [1202, 1, 1]);
    assert.equal(s.queueDepth, 1);
    assert.ok(s.oldestPendingAgeMs >= 0);
    assert.deepEqual([s.lastError.item, s.lastError.error], ['order 1003', 'lines[0].sku: unknown article']);
  });

  it('lists and pages 1,200 products without loading them all, filters by state and searches', async () => {
    await start();
    const p1 = (await get('/list/products?limit=50')).body;
    assert.equal(p1.total, 1203);
    assert.equal(p1.items.length, 50);
    assert.deepEqual(
      p1.items.slice(0, 4).map((i: { id: string }) => i.id),
      ['BAD-1', 'CAF-250', 'OLD-1', 'SKU-000000'],
    );
    const p3 = (await get('/list/products?limit=50&offset=100')).body;
    assert.deepEqual([p3.items[0].id, p3.items.at(-1).id], ['SKU-000097', 'SKU-000146']);
    const failed = (await get('/list/products?state=failed')).body;
    assert.deepEqual(
      failed.items.map((i: { id: string }) => i.id),
      ['BAD-1'],
    );
    const search = (await get('/list/products?q=SKU-00012')).body;
    assert.equal(search.total, 10);
    const orders = (await get('/list/orders?state=failed')).body;
    assert.deepEqual(orders.items.map((i: { id: string }) => i.id).sort(), ['1003', '1005']);
    assert.equal((await get('/list/products?state=pending')).body.total, 0);
  });

  it('retries a failed order, and refuses one that is not failed', async () => {
    await start();
    const ok = await post('/orders/1003/retry');
    assert.deepEqual([ok.status, ok.body.retried], [202, ['1003']]);
    assert.equal((await get('/orders?ids=1003')).body['1003'].state, 'pending');
    const no = await post('/orders/1002/retry');
    assert.deepEqual(
      [no.status, no.body.error],
      [409, 'order 1002: nothing to retry (only failed orders can be retried)'],
    );
  });

  it('serves the page without external assets and redirects to the trailing slash under httpNodeRoot', async () => {
    await start({ root: '/red' });
    const r = await get('/', {});
    assert.match(String(r.body), /<title>TotalGest link status<\/title>/);
    assert.ok(!/(src|href)="(https?:)?\/\//.test(String(r.body)), 'no external assets');
    const redirect = await get('', {});
    assert.deepEqual([redirect.status, redirect.headers.get('location')], [301, '/red/totalgest/status/']);
    assert.match(String((await get('/?lang=de', {})).body), /TotalGest-Verknüpfungsstatus/);
    assert.equal((await get('/summary')).status, 200);
  });

  it('serves the page script as a file beside the page, without a token, and runs no inline script', async () => {
    await start();
    const page = await get('/', {});
    assert.match(String(page.body), /<script src="status-page\.js"><\/script>/);
    // The only other script element is the page's settings as JSON, which a browser never runs.
    const inline = [...String(page.body).matchAll(/<script(?![^>]*\bsrc=)([^>]*)>/g)].map((m) => m[1]!.trim());
    assert.deepEqual(inline, ['type="application/json" id="status-config"']);
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.ok(!/script-src[^;]*unsafe-inline/.test(csp), csp);
    const script = await get('/status-page.js', {});
    assert.equal(script.status, 200);
    assert.match(script.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.match(String(script.body), /getElementById\('status-config'\)/);
    // Compiled: no TypeScript syntax reaches the browser.
    assert.ok(!/\binterface\s+\w+\s*\{/.test(String(script.body)), 'compiled, not the TypeScript source');
  });

  it('answers HEAD as GET without a body: the page and its script without a token, the API only with it', async () => {
    await start({ root: '/red' });
    const head = async (p: string, headers: Record<string, string> = {}) => {
      const res = await fetch(`${base}${p}`, { method: 'HEAD', headers, redirect: 'manual' });
      return {
        status: res.status,
        type: res.headers.get('content-type'),
        location: res.headers.get('location'),
        body: await res.text(),
      };
    };
    for (const [p, headers] of [
      ['/', {}],
      ['/?lang=de', {}],
      ['', {}],
      ['/status-page.js', {}],
      ['/summary', auth],
      ['/summary', {}],
      ['/orders?ids=1001', auth],
      ['/orders?ids=x y', auth],
      ['/nothing-here', auth],
    ] as const) {
      const got = await get(p, headers);
      assert.deepEqual(
        await head(p, headers),
        { status: got.status, type: got.headers.get('content-type'), location: got.headers.get('location'), body: '' },
        `HEAD ${p || '(no slash)'}`,
      );
    }
    assert.equal((await head('/')).status, 200);
    assert.equal((await head('/summary')).status, 401);
  });

  it('serves the path again after a redeploy, from the new node only', async () => {
    await start();
    assert.equal((await get('/summary')).status, 200);
    await helper.setFlows(
      [
        {
          id: 'c1',
          type: 'totalgest-config',
          endpoint: 'http://127.0.0.1:1',
          shopId: 'demo-shop',
          ownerId: 'demo-owner',
        },
        { id: 's2', type: 'tg-status', connection: 'c1', path: '/totalgest/status', lang: 'de', wires: [[]] },
      ],
      'full',
      { c1: { username: 'demo', password: 'x' }, s2: { token: 'second-token' } },
    );
    assert.equal((await get('/summary')).status, 401, 'the old token no longer opens it');
    assert.equal(
      (await get('/orders?ids=999999', { Authorization: 'Bearer second-token' })).body['999999'].label,
      'Nicht verbunden',
    );
  });
});
