import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { signBody, verifySignature } from '../../src/framework360/signature';
import { TotalGestSandbox } from '../../src/sandbox/totalgest-sandbox';
import { decodeCursor } from '../../src/sandbox/article-store';
import type { Framework360Sandbox } from '../../src/sandbox/framework360-sandbox';
import { control, startFramework360, startTotalGest } from '../helpers/sandboxes';

async function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: (text ? JSON.parse(text) : undefined) as Record<string, any>,
  };
}

describe('TotalGest sandbox: every status of the contract', () => {
  let sb: TotalGestSandbox;
  let token: string;
  const api = '/api/v1';
  const auth = () => ({ Authorization: `Bearer ${token}` });
  const login = { username: 'demo', password: 'demo-password', shopId: 'demo-shop', ownerId: 'demo-owner' };
  const order = {
    externalRef: 'FW360-1',
    date: '2026-11-28',
    currency: 'CHF',
    customer: {
      company: '',
      firstName: 'A',
      lastName: 'B',
      street: 'S',
      zip: '1',
      city: 'C',
      region: 'TI',
      country: 'CH',
      vatNumber: '',
      email: '',
      phone: '',
    },
    shipTo: null,
    paymentMethod: 'card',
    lines: [
      { sku: 'PEN-BLU', description: 'Penna', quantity: '3', unitPrice: '4.99', vatRate: '8.1', discount: '0.00' },
    ],
    shipping: null,
    total: '14.95',
    notes: '',
  };

  before(async () => {
    sb = await startTotalGest({ articles: 1000 });
  });
  beforeEach(async () => {
    sb.reset();
    token = (await call(sb.url, 'POST', `${api}/auth/login`, login)).body.token;
  });
  after(() => sb.stop());

  it('login: 200, 400, 401 invalid_credentials, 403 shop_forbidden', async () => {
    const ok = await call(sb.url, 'POST', `${api}/auth/login`, login);
    assert.equal(ok.status, 200);
    assert.ok(Date.parse(ok.body.expiresAt) > Date.now());
    assert.equal((await call(sb.url, 'POST', `${api}/auth/login`, { ...login, password: '' })).status, 400);
    const wrong = await call(sb.url, 'POST', `${api}/auth/login`, { ...login, password: 'x' });
    assert.deepEqual([wrong.status, wrong.body.error.code], [401, 'invalid_credentials']);
    const forbidden = await call(sb.url, 'POST', `${api}/auth/login`, { ...login, ownerId: 'other' });
    assert.deepEqual([forbidden.status, forbidden.body.error.code], [403, 'shop_forbidden']);
  });

  it('shop: 200, 401 without token, 401 token_expired, 404 shop_not_found', async () => {
    assert.equal((await call(sb.url, 'GET', `${api}/shops/demo-shop`, undefined, auth())).body.currency, 'CHF');
    assert.equal((await call(sb.url, 'GET', `${api}/shops/demo-shop`)).status, 401);
    const other = (await call(sb.url, 'POST', `${api}/auth/login`, { ...login, shopId: 'ghost' })).body.token;
    const nf = await call(sb.url, 'GET', `${api}/shops/ghost`, undefined, { Authorization: `Bearer ${other}` });
    assert.deepEqual([nf.status, nf.body.error.code], [404, 'shop_not_found']);
    await control(sb.url, '/_sandbox/tokens/expire', {});
    const expired = await call(sb.url, 'GET', `${api}/shops/demo-shop`, undefined, auth());
    assert.deepEqual([expired.status, expired.body.error.code], [401, 'token_expired']);
  });

  it('articles: keyset pages in (updatedAt, id) order, 400 for a bad limit or cursor', async () => {
    const seen: string[] = [];
    let after = '';
    let last = '';
    for (let i = 0; i < 10; i++) {
      const r = await call(
        sb.url,
        'GET',
        `${api}/shops/demo-shop/articles?limit=500${after ? `&after=${after}` : ''}`,
        undefined,
        auth(),
      );
      assert.equal(r.status, 200);
      for (const a of r.body.items) {
        const key = `${a.updatedAt}|${a.id}`;
        assert.ok(key > last, 'ascending order');
        last = key;
        seen.push(a.id);
      }
      if (r.body.next === null) break;
      after = r.body.next;
    }
    assert.equal(new Set(seen).size, sb.articles.size);
    assert.equal(
      (await call(sb.url, 'GET', `${api}/shops/demo-shop/articles?limit=501`, undefined, auth())).status,
      400,
    );
    assert.equal(
      (await call(sb.url, 'GET', `${api}/shops/demo-shop/articles?after=zzz`, undefined, auth())).status,
      400,
    );
  });

  it('articles: tombstones in the incremental feed, not in the full one', async () => {
    const since = new Date().toISOString();
    const del = (await control(sb.url, '/_sandbox/articles/delete', { count: 2 })) as {
      changed: Array<{ id: string }>;
    };
    const inc = await call(
      sb.url,
      'GET',
      `${api}/shops/demo-shop/articles?limit=500&updatedSince=${since}`,
      undefined,
      auth(),
    );
    assert.deepEqual(
      inc.body.items.map((a: { id: string; deleted: boolean }) => [a.id, a.deleted]).sort(),
      del.changed.map((c) => [c.id, true]).sort(),
    );
    const full = await call(sb.url, 'GET', `${api}/shops/demo-shop/articles?limit=500`, undefined, auth());
    assert.ok(full.body.items.every((a: { deleted: boolean }) => !a.deleted));
  });

  it('orders: 201, idempotent repeat, 400 without key, 409 duplicate, 422 details and total_mismatch', async () => {
    const post = (body: unknown, key?: string) =>
      call(sb.url, 'POST', `${api}/shops/demo-shop/orders`, body, {
        ...auth(),
        ...(key ? { 'Idempotency-Key': key } : {}),
      });
    const created = await post(order, 'k1');
    assert.equal(created.status, 201);
    assert.match(created.body.number, /^\d{4}-000001$/);
    assert.deepEqual((await post(order, 'k1')).body, created.body);
    assert.equal((await post(order)).status, 400);
    const dup = await post(order, 'k2');
    assert.deepEqual(
      [dup.status, dup.body.error.code, dup.body.error.existingId],
      [409, 'duplicate_external_ref', created.body.id],
    );
    const invalid = await post({ ...order, externalRef: 'FW360-2', lines: [{ ...order.lines[0], sku: 'NOPE' }] }, 'k3');
    assert.deepEqual([invalid.status, invalid.body.error.details[0].path], [422, 'lines[0].sku']);
    const schemaBad = await post({ ...order, externalRef: 'FW360-3', paymentMethod: 'bitcoin' }, 'k4');
    assert.deepEqual([schemaBad.status, schemaBad.body.error.details[0].path], [422, 'paymentMethod']);
    const mismatch = await post({ ...order, externalRef: 'FW360-4', total: '14.97' }, 'k5');
    assert.deepEqual([mismatch.status, mismatch.body.error.code], [422, 'total_mismatch']);
    const lookup = await call(sb.url, 'GET', `${api}/shops/demo-shop/orders?externalRef=FW360-1`, undefined, auth());
    assert.equal(lookup.body.items[0].id, created.body.id);
    const received = (await control(sb.url, '/_sandbox/orders')) as { items: Array<{ body: unknown }> };
    assert.deepEqual(received.items[0]!.body, order);
  });

  it('faults: N answers with a status and Retry-After, then normal again; latency; reset', async () => {
    await control(sb.url, '/_sandbox/faults', { status: 429, retryAfter: 2, count: 2 });
    const a = await call(sb.url, 'GET', `${api}/shops/demo-shop`, undefined, auth());
    assert.deepEqual([a.status, a.headers.get('retry-after')], [429, '2']);
    assert.equal((await call(sb.url, 'GET', `${api}/shops/demo-shop`, undefined, auth())).status, 429);
    assert.equal((await call(sb.url, 'GET', `${api}/shops/demo-shop`, undefined, auth())).status, 200);
    await control(sb.url, '/_sandbox/faults', { status: 503, retryAfter: 1, forSeconds: 60 });
    assert.equal((await call(sb.url, 'GET', `${api}/shops/demo-shop`, undefined, auth())).status, 503);
    await control(sb.url, '/_sandbox/reset', {});
    const t = (await call(sb.url, 'POST', `${api}/auth/login`, login)).body.token;
    await control(sb.url, '/_sandbox/faults', { latencyMs: 80 });
    const t0 = Date.now();
    assert.equal(
      (await call(sb.url, 'GET', `${api}/shops/demo-shop`, undefined, { Authorization: `Bearer ${t}` })).status,
      200,
    );
    assert.ok(Date.now() - t0 >= 75);
  });

  it('mutate changes price and stock and moves updatedAt; upsert stores articles as given', async () => {
    const r = (await control(sb.url, '/_sandbox/articles/mutate', { count: 5 })) as { changed: Array<{ id: string }> };
    assert.equal(r.changed.length, 5);
    const art = {
      ...sb.articles.findBySku('CAF-250')!,
      id: 'A-NEW',
      sku: 'NEW-1',
      updatedAt: '2026-01-01T00:00:00.500Z',
    };
    assert.deepEqual(await control(sb.url, '/_sandbox/articles', { items: [art] }), { upserted: 1 });
    assert.deepEqual(sb.articles.get('A-NEW'), art);
    const bad = (await control(sb.url, '/_sandbox/articles', { items: [{ id: 'x' }] })) as { error: { code: string } };
    assert.equal(bad.error.code, 'validation_failed');
  });

  it('pages a 100,000-article catalogue by keyset: each page visits only its own entries', function () {
    this.timeout(120_000); // seeding 100,000 articles: seconds alone, more on a loaded machine
    const big = new TotalGestSandbox({ articles: 100_000 });
    let after: string | null = null;
    let pages = 0;
    let maxScanned = 0;
    let total = 0;
    do {
      const cursor = after ? decodeCursor(after) : undefined;
      const p = big.articles.page({ limit: 500, includeDeleted: false, after: cursor });
      maxScanned = Math.max(maxScanned, p.scanned);
      total += p.items.length;
      after = p.next;
      pages++;
    } while (after && pages < 1000);
    assert.equal(total, 100_000);
    assert.equal(pages, 200);
    assert.ok(maxScanned <= 501, `a page scanned ${maxScanned} index entries`);
    const deep = big.articles.page({ limit: 200, includeDeleted: true, since: Date.parse('2026-01-02T03:00:00.000Z') });
    assert.equal(deep.items[0]!.updatedAt, '2026-01-02T03:00:00.000Z');
    assert.ok(deep.scanned <= 201);
  });
});

/** Polls the sandbox until a delivery has been acknowledged; a generous bound only against a hang. */
async function waitForDelivery(
  sb: Framework360Sandbox,
  delivery: string,
  timeoutMs = 20_000,
): Promise<{ statuses: number[]; delivered: boolean }> {
  const t0 = Date.now();
  for (;;) {
    const d = (await control(sb.url, '/_sandbox/deliveries')) as {
      items: Array<{ delivery: string; statuses: number[]; delivered: boolean }>;
    };
    const found = d.items.find((x) => x.delivery === delivery);
    if (found?.delivered) return found;
    if (Date.now() - t0 > timeoutMs)
      throw new Error(`delivery ${delivery} not acknowledged after ${timeoutMs} ms: ${JSON.stringify(found)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('Framework360 sandbox', () => {
  let sb: Framework360Sandbox;
  let hook: http.Server;
  const received: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];
  let failNext = 0;

  before(async () => {
    hook = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
        res.writeHead(failNext-- > 0 ? 503 : 202).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
    sb = await startFramework360({ webhookUrl: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook` });
  });
  beforeEach(() => {
    received.length = 0;
    failNext = 0;
  });
  after(async () => {
    await sb.stop();
    await new Promise((r) => hook.close(r));
  });

  const key = { 'X-Fw360-Key': 'demo-key' };

  it('check: data with the right key, {status:0} with HTTP 200 for a wrong one', async () => {
    assert.equal((await call(sb.url, 'GET', '/m/api/check', undefined, key)).body.status, 1);
    const bad = await call(sb.url, 'GET', '/m/api/check', undefined, { 'X-Fw360-Key': 'nope' });
    assert.deepEqual([bad.status, bad.body.status, bad.body.error], [200, 0, 'Invalid API key']);
  });

  it('places an order and delivers a signed webhook, redelivering until 2xx', async () => {
    failNext = 2;
    const placed = await call(sb.url, 'POST', '/_sandbox/orders', { order: { id: 555 } });
    assert.equal(placed.status, 201);
    // Wait for the sandbox to say the delivery is done (a 2xx ended it), not for a time.
    const done = await waitForDelivery(sb, placed.body.delivery as string);
    assert.deepEqual(done.statuses, [503, 503, 202]);
    assert.equal(received.length, 3);
    const ids = new Set(received.map((r) => r.headers['x-fw360-delivery']));
    assert.deepEqual([...ids], [placed.body.delivery]);
    const last = received[2]!;
    assert.ok(verifySignature('demo-webhook-secret', last.body, String(last.headers['x-fw360-signature'])));
    assert.equal(JSON.parse(last.body).data.id, 555);
  });

  it('orders/get and orders/list; deliver:false places without a webhook', async () => {
    await call(sb.url, 'POST', '/_sandbox/orders', {
      order: { id: 601, data_ordine: '2026-11-20T10:00:00+01:00' },
      deliver: false,
    });
    await call(sb.url, 'POST', '/_sandbox/orders', {
      order: { id: 602, data_ordine: '2026-11-21T10:00:00+01:00', stato: { id: 5, nome: 'Annullato' } },
      deliver: false,
    });
    assert.equal(received.length, 0);
    assert.equal((await call(sb.url, 'GET', '/m/api/orders/get?id=601', undefined, key)).body.data.id, 601);
    const missing = await call(sb.url, 'GET', '/m/api/orders/get?id=999999', undefined, key);
    assert.deepEqual([missing.status, missing.body.status], [200, 0]);
    const list = await call(
      sb.url,
      'GET',
      `/m/api/orders/list?statuses[]=3&daterange=2026-11-19T00:00:00Z,2026-11-22T00:00:00Z&page=1&limit=10`,
      undefined,
      key,
    );
    assert.deepEqual(
      list.body.data.items.map((o: { id: number }) => o.id),
      [601],
    );
  });

  it('products/save upserts by SKU and refuses a bad product with {status:0}', async () => {
    const p = {
      sku: 'CAF-250',
      ean: null,
      name: 'Caffè',
      shortDescription: '',
      description: '',
      price: '12.90',
      vatRate: '2.6',
      vatCode: 'R',
      stock: '37',
      active: true,
      totalgestId: 'A-1',
    };
    const a = await call(sb.url, 'POST', '/m/api/products/save', p, key);
    const b = await call(sb.url, 'POST', '/m/api/products/save', { ...p, stock: '36' }, key);
    assert.equal(a.body.data.id, b.body.data.id);
    const listed = (await control(sb.url, '/_sandbox/products')) as { items: Array<{ sku: string; stock: string }> };
    assert.deepEqual(
      listed.items.map((x) => [x.sku, x.stock]),
      [['CAF-250', '36']],
    );
    const bad = await call(sb.url, 'POST', '/m/api/products/save', { ...p, price: 12.9 }, key);
    assert.equal(bad.body.status, 0);
    assert.match(bad.body.error, /price/);
  });

  it('signatures: constant-time check of sha256=<hex>', () => {
    const sig = signBody('s3cret', '{"a":1}');
    assert.ok(verifySignature('s3cret', Buffer.from('{"a":1}'), sig));
    assert.ok(!verifySignature('s3cret', '{"a":2}', sig));
    assert.ok(!verifySignature('other', '{"a":1}', sig));
    assert.ok(!verifySignature('s3cret', '{"a":1}', undefined));
    assert.ok(!verifySignature('s3cret', '{"a":1}', 'sha256=00'));
  });
});
