import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { StatusReader } from '../../src/engine/status';
import { openStateDatabase, type StateDatabase } from '../../src/store/state-db';
import { statusApiHandler } from '../../src/web/status-api';
import { seedStatusRows } from '../helpers/status-fixtures';

describe('status API (real HTTP on loopback)', () => {
  let db: StateDatabase;
  let server: http.Server;
  let base: string;
  let token = '';
  const retried: string[][] = [];

  before(async () => {
    db = openStateDatabase(':memory:');
    const { orders, products } = seedStatusRows(db, 1200);
    const reader = new StatusReader(orders, products);
    const handler = statusApiHandler({
      get token() {
        return token;
      },
      defaultLang: 'en',
      corsOrigin: '',
      status: () => reader,
      retryOrders: (ids) => (retried.push(ids), orders.retry(ids, Date.now())),
    });
    server = http.createServer((req, res) => {
      // Mounted like express mounts it: the handler sees the path below the mount point.
      const mount = '/totalgest/status';
      if (!req.url!.startsWith(mount)) return res.writeHead(404).end();
      (req as http.IncomingMessage & { originalUrl?: string }).originalUrl = req.url;
      req.url = req.url!.slice(mount.length) || '/';
      handler(req, res, mount);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/totalgest/status`;
  });
  afterEach(() => {
    token = '';
  });
  after(async () => {
    await new Promise((r) => server.close(r));
    db.close();
  });

  const get = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}${path}`, { headers, redirect: 'manual' });
    const text = await res.text();
    return { status: res.status, body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text, headers: res.headers };
  };

  it('answers every order state, unknown ids as not linked, labels in the asked language', async () => {
    const r = await get('/orders?ids=1001,1002,1003,1004,1005,999999');
    assert.equal(r.status, 200);
    const s = (id: string) => [r.body[id].state, r.body[id].label];
    assert.deepEqual(s('1001'), ['pending', 'Pending']);
    assert.deepEqual(s('1002'), ['linked', 'Linked']);
    assert.equal(r.body['1002'].number, '2026-000002');
    assert.deepEqual(s('1003'), ['failed', 'Failed']);
    assert.match(r.body['1003'].error, /unknown article/);
    assert.deepEqual([...s('1004'), r.body['1004'].reason], ['not_linked', 'Not linked', 'cancelled']);
    assert.deepEqual([...s('1005'), r.body['1005'].reason], ['failed', 'Failed', 'total_mismatch']);
    assert.deepEqual(s('999999'), ['not_linked', 'Not linked']);
    assert.equal((await get('/orders?ids=999999&lang=de')).body['999999'].label, 'Nicht verbunden');
    assert.equal((await get('/orders?ids=999999', { 'Accept-Language': 'it-CH,it;q=0.9' })).body['999999'].label, 'Non collegato');
  });

  it('answers products by SKU', async () => {
    const r = await get('/products?skus=CAF-250,OLD-1,BAD-1,NOPE');
    assert.deepEqual(
      ['CAF-250', 'OLD-1', 'BAD-1', 'NOPE'].map((k) => r.body[k].state),
      ['linked', 'linked', 'failed', 'not_linked'],
    );
    assert.equal(r.body['OLD-1'].reason, 'deactivated');
    assert.match(r.body['BAD-1'].error, /products\/save/);
  });

  it('validates and caps ids with a clear 400', async () => {
    const many = Array.from({ length: 501 }, (_, i) => i + 1).join(',');
    const cases: Array<[string, RegExp]> = [
      [`/orders?ids=${many}`, /at most 500 per request, got 501/],
      ['/orders?ids=12,abc', /"abc" is not a valid order id/],
      ['/orders', /ids: give a comma-separated list/],
      ['/products?skus=', /skus: give a comma-separated list/],
      ['/list/orders?state=lost', /state: must be one of/],
      ['/list/products?limit=1000', /limit: must be a whole number from 1 to 200/],
    ];
    for (const [path, msg] of cases) {
      const r = await get(path);
      assert.equal(r.status, 400, path);
      assert.match(r.body.error, msg);
    }
    assert.equal((await get('/nope')).status, 404);
  });

  it('requires the bearer token when one is set, compared in constant time', async () => {
    token = 's3cret-token';
    assert.equal((await get('/summary')).status, 401);
    assert.equal((await get('/summary', { Authorization: 'Bearer wrong' })).status, 401);
    assert.equal((await get('/summary', { Authorization: 'Bearer s3cret-token' })).status, 200);
    const page = await get('/');
    assert.equal(page.status, 200, 'the page itself holds no data');
    assert.ok(!String(page.body).includes('s3cret-token'));
    const retry = await fetch(`${base}/orders/1003/retry`, { method: 'POST' });
    assert.equal(retry.status, 401);
  });

  it('summarises counts, queue, oldest pending and the last error', async () => {
    const s = (await get('/summary')).body;
    assert.deepEqual(s.orders, { linked: 1, pending: 1, failed: 2, not_linked: 1 });
    assert.deepEqual([s.products.linked, s.products.failed, s.products.deactivated], [1202, 1, 1]);
    assert.equal(s.queueDepth, 1);
    assert.ok(s.oldestPendingAgeMs >= 0);
    assert.ok(s.lastError.error.length > 0);
  });

  it('lists and pages 1,200 products without loading them all, filters by state and searches', async () => {
    const p1 = (await get('/list/products?limit=50')).body;
    assert.equal(p1.total, 1203);
    assert.equal(p1.items.length, 50);
    const p3 = (await get('/list/products?limit=50&offset=100')).body;
    assert.notEqual(p3.items[0].id, p1.items[0].id);
    const failed = (await get('/list/products?state=failed')).body;
    assert.deepEqual(
      failed.items.map((i: any) => i.id),
      ['BAD-1'],
    );
    const search = (await get('/list/products?q=SKU-00012')).body;
    assert.equal(search.total, 10);
    const orders = (await get('/list/orders?state=failed')).body;
    assert.deepEqual(orders.items.map((i: any) => i.id).sort(), ['1003', '1005']);
    assert.equal((await get('/list/products?state=pending')).body.total, 0);
  });

  it('retries a failed order, and refuses one that is not failed', async () => {
    const ok = await fetch(`${base}/orders/1003/retry`, { method: 'POST' });
    assert.equal(ok.status, 202);
    assert.deepEqual(((await ok.json()) as any).retried, ['1003']);
    assert.equal((await get('/orders?ids=1003')).body['1003'].state, 'pending');
    const no = await fetch(`${base}/orders/1002/retry`, { method: 'POST' });
    assert.equal(no.status, 409);
  });

  it('serves the page without external assets and redirects to the trailing slash', async () => {
    const r = await get('/');
    assert.match(String(r.body), /<title>TotalGest link status<\/title>/);
    assert.ok(!/(src|href)="(https?:)?\/\//.test(String(r.body)), 'no external assets');
    const redirect = await get('');
    assert.deepEqual([redirect.status, redirect.headers.get('location')], [301, '/totalgest/status/']);
    assert.match(String((await get('/?lang=de')).body), /TotalGest-Verknüpfungsstatus/);
  });
});
