import assert from 'node:assert/strict';
import net from 'node:net';
import sinon from 'sinon';
import { TotalGestClient, type TotalGestClientOptions } from '../../src/totalgest/client';
import {
  AuthError,
  BadResponseError,
  DuplicateError,
  ForbiddenError,
  NotFoundError,
  RateLimitedError,
  TransientError,
  ValidationError,
} from '../../src/http/errors';
import type { OrderDocument } from '../../src/totalgest/schemas';
import type { TotalGestSandbox } from '../../src/sandbox/totalgest-sandbox';
import { control, demoCredentials, startTotalGest } from '../helpers/sandboxes';

const realSetTimeout = globalThis.setTimeout;
const realDelay = (ms: number) => new Promise((r) => realSetTimeout(r, ms));

function doc(ref: string, over: Partial<OrderDocument> = {}): OrderDocument {
  const party = {
    company: '',
    firstName: 'Anna',
    lastName: 'Müller',
    street: 'Via Nassa 5',
    zip: '6900',
    city: 'Lugano',
    region: 'TI',
    country: 'CH',
    vatNumber: '',
    email: 'a@example.ch',
    phone: '',
  };
  return {
    externalRef: ref,
    date: '2026-11-28',
    currency: 'CHF',
    customer: party,
    shipTo: null,
    paymentMethod: 'card',
    lines: [
      { sku: 'CAF-250', description: 'Caffè', quantity: '2', unitPrice: '12.90', vatRate: '2.6', discount: '0.00' },
    ],
    shipping: { description: 'Posta A', amount: '7.00', vatRate: '8.1' },
    total: '32.80',
    notes: '',
    ...over,
  };
}

/**
 * Runs `work` under a fake clock: while the client waits on a timer (backoff, Retry-After
 * pause) the clock jumps straight to that timer; while a request is on the wire it does not
 * move at all. So the times the sandbox logs (it shares the faked Date) differ by exactly the
 * delays the client chose, however long the real round trips take on a loaded machine.
 */
async function drive<T>(clock: sinon.SinonFakeTimers, work: Promise<T>, maxRealMs = 60_000): Promise<T> {
  let settled = false;
  const outcome = work.then(
    (value) => ((settled = true), { ok: true as const, value }),
    (error: unknown) => ((settled = true), { ok: false as const, error }),
  );
  // fake-timers keeps its pending timers in clock.timers (created with the first timer).
  const pending = (): Array<{ callAt: number }> => {
    const t = (clock as unknown as { timers?: Map<number, { callAt: number }> | Record<string, { callAt: number }> })
      .timers;
    return t === undefined ? [] : t instanceof Map ? [...t.values()] : Object.values(t);
  };
  const realStart = performance.now();
  while (!settled) {
    if (performance.now() - realStart > maxRealMs)
      throw new Error(`drive: the work did not settle within ${maxRealMs} ms of real time`);
    await realDelay(2);
    if (settled) break;
    // The next fake timer; timers beyond a minute are request timeouts, not delays to skip.
    const due = Math.min(...pending().map((t) => t.callAt));
    if (due - clock.now <= 60_000) await clock.tickAsync(Math.max(0, due - clock.now));
  }
  const r = await outcome;
  if (!r.ok) throw r.error;
  return r.value;
}

/** The sandbox's own request log, read over HTTP (as a client of the sandbox would). */
async function requestLog(
  sb: TotalGestSandbox,
): Promise<Array<{ method: string; path: string; at: number; status?: number; doneAt?: number }>> {
  return (
    (await control(sb.url, '/_sandbox/requests')) as {
      items: Array<{ method: string; path: string; at: number; status?: number; doneAt?: number }>;
    }
  ).items;
}

describe('TotalGest client against the sandbox', () => {
  let sb: TotalGestSandbox;
  const clients: TotalGestClient[] = [];
  const client = (over: Partial<TotalGestClientOptions> = {}) => {
    const c = new TotalGestClient({
      endpoint: sb.url,
      ...demoCredentials,
      retry: { baseDelayMs: 20, maxDelayMs: 100 },
      ...over,
    });
    clients.push(c);
    return c;
  };

  before(async () => {
    sb = await startTotalGest();
  });
  afterEach(() => {
    sinon.restore();
    sb.reset();
    for (const c of clients.splice(0)) c.close();
  });
  after(() => sb.stop());

  it('logs in once and reads the shop', async () => {
    const c = client();
    const shop = await c.checkConnection();
    assert.equal(shop.name, 'Demo Shop Lugano');
    await c.getShop();
    assert.equal(c.loginCount, 1);
  });

  it('classifies wrong credentials, foreign owner and unknown shop', async () => {
    await assert.rejects(
      client({ password: 'nope' }).checkConnection(),
      (e: unknown) => e instanceof AuthError && /wrong username or password/.test(e.message),
    );
    await assert.rejects(
      client({ ownerId: 'someone-else' }).checkConnection(),
      (e: unknown) => e instanceof ForbiddenError && e.code === 'shop_forbidden',
    );
    await assert.rejects(
      client({ shopId: 'no-such-shop' }).checkConnection(),
      (e: unknown) => e instanceof NotFoundError && e.code === 'shop_not_found',
    );
  });

  it('reports an unreachable host as transient/unreachable', async () => {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as net.AddressInfo).port;
    await new Promise((r) => srv.close(r));
    const c = client({ endpoint: `http://127.0.0.1:${port}`, retry: { maxAttempts: 1 } });
    await assert.rejects(c.getShop(), (e: unknown) => e instanceof TransientError && e.networkCause === 'unreachable');
  });

  it('times out a hanging request and retries it', async () => {
    const c = client({ timeoutMs: 2000 });
    await c.getShop(); // logged in, so the hang below catches the shop call itself
    await control(sb.url, '/_sandbox/faults', { hang: true, count: 1, path: '/shops/' });
    const shop = await c.getShop();
    assert.equal(shop.id, 'demo-shop');
    // The held request was never answered; the client gave up on it and sent it again, and the
    // retry got the answer. (The timeout is 10× a loaded round trip, so no other call times out.)
    const hits = (await requestLog(sb)).filter((r) => r.path === '/api/v1/shops/demo-shop').slice(1);
    assert.deepEqual(
      hits.map((r) => r.status ?? 'never answered'),
      ['never answered', 200],
    );
  });

  it('gives up after the bounded attempts with a timeout error', async () => {
    await control(sb.url, '/_sandbox/faults', { hang: true, count: 10, path: '/shops/' });
    const c = client({ timeoutMs: 100, retry: { maxAttempts: 2, baseDelayMs: 1 } });
    await assert.rejects(c.getShop(), (e: unknown) => e instanceof TransientError && e.networkCause === 'timeout');
  });

  it('creates an order, repeats idempotently, and links a duplicate externalRef', async () => {
    const c = client();
    const first = await c.createOrder(doc('FW360-1'), 'key-1');
    const again = await c.createOrder(doc('FW360-1'), 'key-1');
    assert.deepEqual(again, first);
    assert.equal(sb.orders.length, 1);
    await assert.rejects(
      c.createOrder(doc('FW360-1'), 'key-other'),
      (e: unknown) => e instanceof DuplicateError && e.existingId === first.id && e.status === 409,
    );
    const found = await c.findOrderByExternalRef('FW360-1');
    assert.equal(found?.number, first.number);
    assert.equal(await c.findOrderByExternalRef('FW360-404'), undefined);
  });

  it('reserves stock on an accepted order', async () => {
    const before = sb.articles.findBySku('CAF-250')!;
    await client().createOrder(doc('FW360-2'), 'key-2');
    const after = sb.articles.findBySku('CAF-250')!;
    assert.equal(Number(after.stock.available), Number(before.stock.available) - 2);
    assert.equal(Number(after.stock.reserved), Number(before.stock.reserved) + 2);
    assert.ok(after.updatedAt >= before.updatedAt);
  });

  it('surfaces 422 details and total_mismatch without retrying', async () => {
    const c = client();
    const bad = doc('FW360-3', {
      lines: [{ sku: 'NOPE', description: 'x', quantity: '1', unitPrice: '1.00', vatRate: '8.1', discount: '0' }],
      total: '8.00',
    });
    await assert.rejects(
      c.createOrder(bad, 'k3'),
      (e: unknown) => e instanceof ValidationError && e.details[0]?.path === 'lines[0].sku',
    );
    await assert.rejects(
      c.createOrder(doc('FW360-4', { total: '99.00' }), 'k4'),
      (e: unknown) => e instanceof ValidationError && e.code === 'total_mismatch' && /32\.80/.test(e.message),
    );
    assert.equal(sb.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/orders')).length, 2);
  });

  it('re-logs in once when the token expires mid-run', async () => {
    const c = client();
    await c.getShop();
    await control(sb.url, '/_sandbox/tokens/expire', {});
    await c.getShop();
    assert.equal(c.loginCount, 2);
    assert.equal(sb.logins, 2);
  });

  it('re-logs in before a short-lived token runs out', async () => {
    await control(sb.url, '/_sandbox/config', { tokenLifetimeMs: 6_000 });
    // Date frozen from the first login on: the token expires exactly 6 s later on both sides.
    const clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
    const c = client();
    await c.getShop();
    // 5.5 s: still valid for the server, but inside the client's refresh margin (a tenth of the lifetime).
    clock.tick(5_500);
    await c.getShop();
    assert.equal(c.loginCount, 2);
    // Logged in again before using the token, and no call was refused for an expired one.
    const log = await requestLog(sb);
    assert.deepEqual(
      log.map((r) => `${r.method} ${r.path} ${r.status}`),
      [
        'POST /api/v1/auth/login 200',
        'GET /api/v1/shops/demo-shop 200',
        'POST /api/v1/auth/login 200',
        'GET /api/v1/shops/demo-shop 200',
      ],
    );
    assert.deepEqual(
      log.filter((r) => r.status === 401),
      [],
    );
  });

  it('names the call and field of a malformed answer', async () => {
    await control(sb.url, '/_sandbox/faults', {
      status: 200,
      rawBody: '{"items":[],"serverTime":"2026-11-28T10:00:00.000Z"}',
      count: 1,
      path: '/articles',
    });
    const c = client();
    await assert.rejects(
      c.articlePage({}),
      (e: unknown) =>
        e instanceof BadResponseError && /GET \/shops\/\{shopId\}\/articles/.test(e.message) && /next/.test(e.message),
    );
    await control(sb.url, '/_sandbox/faults', {
      status: 200,
      rawBody: '<html>Maintenance</html>',
      count: 1,
      path: '/shops/',
    });
    await assert.rejects(c.getShop(), (e: unknown) => e instanceof BadResponseError && /not JSON/.test(e.message));
    await control(sb.url, '/_sandbox/faults', {
      status: 200,
      rawBody: '{"id":"demo-shop","na',
      count: 1,
      path: '/shops/',
    });
    await assert.rejects(c.getShop(), (e: unknown) => e instanceof BadResponseError);
  });

  it('fails one malformed article alone and keeps the rest of the page', async () => {
    const good = sb.articles.findBySku('CAF-250')!;
    const page = {
      items: [good, { ...good, id: 'A-BAD', sku: 'BAD-1', price: 12.9 }],
      next: null,
      serverTime: '2026-11-28T10:00:00.000Z',
    };
    await control(sb.url, '/_sandbox/faults', {
      status: 200,
      rawBody: JSON.stringify(page),
      count: 1,
      path: '/articles',
    });
    const res = await client().articlePage({});
    assert.equal(res.articles.length, 1);
    assert.deepEqual(
      res.invalid.map((i) => [i.id, i.sku]),
      [['A-BAD', 'BAD-1']],
    );
    assert.match(res.invalid[0]!.reason, /price/);
  });

  it('pages the whole catalogue with the keyset cursor, and incrementally', async () => {
    const c = client();
    const seen = new Set<string>();
    let pages = 0;
    let serverTime = '';
    for await (const p of c.articlePages({ limit: 7 })) {
      pages++;
      serverTime = p.serverTime;
      for (const a of p.articles) seen.add(a.id);
    }
    assert.equal(seen.size, sb.articles.size);
    assert.equal(pages, Math.ceil(sb.articles.size / 7));
    const changed = (await control(sb.url, '/_sandbox/articles/mutate', { count: 3 })) as {
      changed: Array<{ id: string }>;
    };
    const incremental: string[] = [];
    for await (const p of c.articlePages({ updatedSince: serverTime, limit: 2 }))
      incremental.push(...p.articles.map((a) => a.id));
    assert.deepEqual(incremental.sort(), changed.changed.map((x) => x.id).sort());
  });

  it('shares one concurrency limit across all callers of a connection', async () => {
    await control(sb.url, '/_sandbox/faults', { latencyMs: 60 });
    const c = client({ concurrency: 2 });
    await c.getShop();
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 6 }, () => c.getShop()));
    const took = Date.now() - t0;
    assert.ok(took >= 170, `6 requests at concurrency 2 × 60 ms took ${took} ms`);
    // On the sandbox's clock: never more than two of them open at once.
    const calls = (await requestLog(sb)).filter((r) => r.path === '/api/v1/shops/demo-shop').slice(-6);
    const open = (t: number) => calls.filter((r) => r.at <= t && t < r.doneAt!).length;
    assert.equal(Math.max(...calls.map((r) => open(r.at))), 2);
  });

  // Faults are set in-process here: a fetch() to the sandbox would leave undici's socket timers
  // on the fake clock, and drive() would jump to them while a request is on the wire.
  describe('retries (fake clock)', () => {
    it('honours Retry-After on 429 and sends nothing earlier', async () => {
      const c = client({ timeoutMs: 600_000 });
      await c.getShop(); // login outside the fake clock
      sb.faults.configure({ status: 429, retryAfter: 2, count: 2, path: '/shops/' });
      const clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['setTimeout', 'clearTimeout', 'Date'] });
      const shop = await drive(clock, c.getShop());
      clock.restore(); // before fetch() touches timers
      assert.equal(shop.id, 'demo-shop');
      const tries = (await requestLog(sb)).filter((r) => r.path === '/api/v1/shops/demo-shop').slice(-3);
      assert.deepEqual(
        tries.map((r) => r.status),
        [429, 429, 200],
      );
      // On the sandbox's clock, from each 429 to the next try: exactly the 2 s it asked for.
      assert.deepEqual(
        tries.slice(1).map((r, i) => r.at - tries[i]!.doneAt!),
        [2000, 2000],
      );
    });

    it('backs off exponentially with full jitter on 503 and succeeds after recovery', async () => {
      const c = client({ timeoutMs: 600_000, retry: { baseDelayMs: 1000, maxDelayMs: 30_000, maxAttempts: 5 } });
      await c.getShop();
      sinon.stub(Math, 'random').returns(0.5);
      sb.faults.configure({ status: 503, count: 3, path: '/shops/' });
      const clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['setTimeout', 'clearTimeout', 'Date'] });
      await drive(clock, c.getShop());
      clock.restore();
      const tries = (await requestLog(sb)).filter((r) => r.path === '/api/v1/shops/demo-shop').slice(-4);
      assert.deepEqual(
        tries.map((r) => r.status),
        [503, 503, 503, 200],
      );
      // Full jitter with random() = 0.5: 0.5 × 1000, 0.5 × 2000, 0.5 × 4000 — exactly, since the
      // fake clock moves only while the client waits, never while a request is on the wire.
      assert.deepEqual(
        tries.slice(1).map((r, i) => r.at - tries[i]!.doneAt!),
        [500, 1000, 2000],
      );
    });

    it('stops retrying at the attempt bound and throws the last error', async () => {
      const c = client({ timeoutMs: 600_000, retry: { baseDelayMs: 100, maxAttempts: 3 } });
      await c.getShop();
      sb.faults.configure({ status: 503, retryAfter: 1, count: 10, path: '/shops/' });
      const clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['setTimeout', 'clearTimeout', 'Date'] });
      await assert.rejects(
        drive(clock, c.getShop()),
        (e: unknown) => e instanceof TransientError && e.status === 503 && e.retryAfterMs === 1000,
      );
      assert.equal(sb.requests.filter((r) => r.path === '/api/v1/shops/demo-shop').length, 4); // 1 + 3
    });

    it('does not start a retry past the total time budget', async () => {
      const c = client({ timeoutMs: 600_000, retry: { maxAttempts: 10, maxTotalMs: 5_000 } });
      await c.getShop();
      sb.faults.configure({ status: 429, retryAfter: 3, count: 10, path: '/shops/' });
      const clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['setTimeout', 'clearTimeout', 'Date'] });
      await assert.rejects(drive(clock, c.getShop()), (e: unknown) => e instanceof RateLimitedError);
      assert.equal(sb.requests.filter((r) => r.path === '/api/v1/shops/demo-shop').length, 3); // t=0, 3 s; 6 s would pass 5 s
    });
  });
});
