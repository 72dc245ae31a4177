import assert from 'node:assert/strict';
import { productFromStored } from '../../src/core/product-mapping';
import { ProductSync } from '../../src/engine/product-sync';
import { openStateDatabase } from '../../src/store/state-db';
import { ProductStore } from '../../src/store/product-store';
import { TotalGestClient } from '../../src/totalgest/client';
import { TotalGestSandbox } from '../../src/sandbox/totalgest-sandbox';
import type { Fw360Product } from '../../src/framework360/schemas';
import { maxInFlight, productSyncSandboxes, type ProductSyncSandboxes } from '../helpers/product-sync-sandboxes';
import { control, demoCredentials } from '../helpers/sandboxes';

async function waitUntil(cond: () => boolean, timeoutMs = 30_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('ProductSync (engine) against the sandboxes', function () {
  this.timeout(60_000);
  let { tg, fw, db, client, writer } = {} as ProductSyncSandboxes;
  /** serverTime of each article page the engine read (observed on the real client, not mocked). */
  let serverTimes: string[];
  const sync = (opts = {}) => new ProductSync(client, new ProductStore(db), writer, { pageSize: 100, ...opts });

  const sandboxes = productSyncSandboxes({ articles: 500 });
  beforeEach(() => {
    ({ tg, fw, db, client, writer } = sandboxes);
    serverTimes = [];
    const page = client.articlePage.bind(client);
    client.articlePage = async (q) => {
      const p = await page(q);
      serverTimes.push(p.serverTime);
      return p;
    };
  });

  it('full sync writes all 500 articles as products', async () => {
    const s = await sync().run();
    assert.deepEqual([s.fetched, s.created, s.updated, s.failed, s.pages], [500, 500, 0, 0, 5]);
    assert.equal(fw.products.size, 500);
    const a = tg.articles.get('A-000042')!;
    const p = fw.products.get(a.sku)!;
    assert.deepEqual([p.price, p.stock, p.totalgestId, p.active], [a.price, a.stock.available, a.id, true]);
    // The cursor is TotalGest's time at the start of the run minus the 60 s overlap.
    assert.equal(s.cursorAfter, new Date(Date.parse(serverTimes[0]!) - 60_000).toISOString());
    assert.equal(new ProductStore(db).cursor(), s.cursorAfter);
  });

  it('incremental run after mutate writes exactly the mutated ones; the overlap re-reads but does not rewrite', async () => {
    await sync().run();
    const saves = () => fw.products.size;
    const changed = (await control(tg.url, '/_sandbox/articles/mutate', { count: 7 })) as {
      changed: Array<{ sku: string }>;
    };
    const before = new Map([...fw.products].map(([k, v]) => [k, v.price]));
    const s = await sync().run();
    assert.equal(s.updated, 7);
    assert.equal(s.created, 0);
    assert.equal(saves(), 500);
    const moved = [...fw.products]
      .filter(([k, v]) => before.get(k) !== v.price)
      .map(([k]) => k)
      .sort();
    assert.deepEqual(moved, changed.changed.map((c) => c.sku).sort());
    // Within the overlap: the same 7 are read again but not written.
    const again = await sync().run();
    assert.equal(again.fetched, 7);
    assert.deepEqual([again.updated, again.unchanged], [0, 7]);
  });

  it('deactivates deleted articles (active false, stock 0)', async () => {
    await sync().run();
    const del = (await control(tg.url, '/_sandbox/articles/delete', { count: 3 })) as {
      changed: Array<{ sku: string }>;
    };
    const s = await sync().run();
    assert.equal(s.deactivated, 3);
    for (const { sku } of del.changed)
      assert.deepEqual([fw.products.get(sku)!.active, fw.products.get(sku)!.stock], [false, '0']);
  });

  it('keeps the cursor across a restart (new engine, same database)', async () => {
    const first = await sync().run();
    const store = new ProductStore(db);
    assert.equal(store.cursor(), first.cursorAfter);
    const s = await sync().run();
    assert.equal(s.full, false);
    assert.equal(s.cursorBefore, first.cursorAfter);
    assert.equal(s.created + s.updated, 0);
  });

  it('continues an interrupted run where it stopped', async () => {
    const abort = new AbortController();
    // Stopped as soon as page 1 is recorded (one write at a time: page 2's writes are still queued).
    const s1 = await sync({ writeConcurrency: 1 }).run({
      signal: abort.signal,
      onProgress: () => new ProductStore(db).resume() && abort.abort(),
    });
    assert.equal(s1.aborted, true);
    assert.equal(s1.fetched, 200);
    assert.equal(s1.cursorAfter, null);
    const s2 = await sync().run();
    assert.equal(s2.fetched, 400, 'the second run starts after the pages already done');
    assert.equal(fw.products.size, 500);
    assert.equal(
      s2.cursorAfter,
      new Date(Date.parse(serverTimes[0]!) - 60_000).toISOString(),
      'the start of the run, from before the stop',
    );
  });

  it('dry run writes nothing and moves no cursor, hash or link', async () => {
    const s = await sync().run({ dryRun: true });
    assert.equal(s.wouldWrite!.created.length, 500);
    assert.equal(fw.products.size, 0);
    assert.equal(new ProductStore(db).cursor(), undefined);
    assert.equal(new ProductStore(db).counts().linked, 0);
  });

  it('full resync re-checks everything but writes only what differs, unless forced', async () => {
    await sync().run();
    await control(tg.url, '/_sandbox/articles/mutate', { count: 2 });
    const s = await sync().run({ full: true });
    assert.deepEqual([s.fetched, s.updated, s.unchanged], [500, 2, 498]);
    const forced = await sync().run({ full: true, forceWrite: true });
    assert.equal(forced.updated, 500);
  });

  it('fails one malformed article alone and goes on', async () => {
    const good = tg.articles.get('A-000001')!;
    const page = {
      items: [good, { ...good, id: 'A-BAD', sku: 'BAD-1', stock: { onHand: 1 } }],
      next: null,
      serverTime: new Date().toISOString(),
    };
    await control(tg.url, '/_sandbox/faults', {
      status: 200,
      rawBody: JSON.stringify(page),
      count: 1,
      path: '/articles',
    });
    const s = await sync().run();
    assert.equal(s.created, 1);
    assert.equal(s.failed, 1);
    assert.deepEqual([s.failures[0]!.sku, s.failures[0]!.id], ['BAD-1', 'A-BAD']);
    assert.match(s.failures[0]!.reason, /stock\.available/);
  });

  it('keeps a failed write in the retry set: failed with its reason until a later run writes it', async () => {
    await control(fw.url, '/_sandbox/faults', { status: 400, count: 1, path: '/products/save' });
    const s1 = await sync().run();
    assert.equal(s1.failed, 1);
    const sku = s1.failures[0]!.sku!;
    assert.match(s1.failures[0]!.reason, /^products\/save: /);
    assert.equal(
      s1.cursorAfter,
      new Date(Date.parse(serverTimes[0]!) - 60_000).toISOString(),
      'the cursor moves: the failure waits in the retry set',
    );
    assert.equal(new ProductStore(db).get(sku)!.state, 'failed');
    assert.equal(fw.products.has(sku), false);
    // Nothing changed in TotalGest, so the feed is empty; the retry set is tried, and refused again.
    await control(fw.url, '/_sandbox/faults', { status: 400, count: 1, path: '/products/save' });
    const s2 = await sync().run();
    assert.equal(s2.fetched, 0);
    assert.equal(s2.failed, 1);
    assert.equal(s2.failures[0]!.sku, sku);
    assert.equal(s2.stillFailed, 1);
    const row = new ProductStore(db).get(sku)!;
    assert.equal(row.state, 'failed');
    assert.match(row.error!, /^products\/save: /);
    const s3 = await sync().run();
    assert.deepEqual([s3.fetched, s3.retried, s3.failed, s3.stillFailed], [0, 1, 0, 0]);
    assert.equal(new ProductStore(db).get(sku)!.state, 'linked');
    assert.equal(fw.products.get(sku)!.price, tg.articles.get(fw.products.get(sku)!.totalgestId)!.price);
  });

  it('a failed write before a redeploy is counted by the resumed run and converges', async () => {
    await sync().run();
    await control(tg.url, '/_sandbox/articles/mutate', { count: 250 });
    // The first products/save of the incremental run (page 1) is refused; the run is stopped
    // as soon as page 1 is recorded (one write at a time: page 2's writes are still queued).
    await control(fw.url, '/_sandbox/faults', { status: 400, count: 1, path: '/products/save' });
    const abort = new AbortController();
    const s1 = await sync({ writeConcurrency: 1 }).run({
      signal: abort.signal,
      onProgress: () => new ProductStore(db).resume() && abort.abort(),
    });
    assert.equal(s1.aborted, true);
    assert.equal(s1.failed, 1);
    const sku = s1.failures[0]!.sku!;
    const resume = new ProductStore(db).resume()!;
    assert.equal(resume.failed, 1, 'the failure count lives in the resume record');
    assert.equal(resume.failures![0]!.sku, sku);
    // The resumed run (a new engine: the node was redeployed) reads the rest and retries the failure.
    const s2 = await sync().run();
    assert.equal(s2.aborted, undefined);
    assert.equal(s2.fetched, 150, 'pages 2 and 3');
    assert.equal(s2.failed, 0, 'the carried failure was written');
    assert.equal(new ProductStore(db).counts().failed, 0);
    for (const [s, p] of fw.products) assert.equal(p.price, tg.articles.get(p.totalgestId)!.price, `price of ${s}`);
    assert.equal(new ProductStore(db).get(sku)!.state, 'linked');
  });

  it('an invalid article is failed with field and reason, never linked, and written once TotalGest serves it valid', async () => {
    await sync().run();
    const id = 'A-000007';
    const good = tg.articles.get(id)!;
    await control(tg.url, '/_sandbox/articles/corrupt', { id, set: { price: 'twelve' } });
    const s1 = await sync().run();
    assert.equal(s1.failed, 1);
    assert.deepEqual([s1.failures[0]!.sku, s1.failures[0]!.id], [good.sku, id]);
    assert.match(s1.failures[0]!.reason, /^invalid article: price: /);
    const row = new ProductStore(db).get(good.sku)!;
    assert.equal(row.state, 'failed');
    assert.match(row.error!, /price/);
    // Fixed in TotalGest (a new price): the next incremental run writes it, no full resync.
    const fixed = { ...good, price: '99.90', updatedAt: new Date().toISOString() };
    await control(tg.url, '/_sandbox/articles', { items: [fixed] });
    const s2 = await sync().run();
    assert.equal(s2.full, false);
    assert.equal(s2.updated, 1);
    assert.equal(s2.failed, 0);
    assert.equal(fw.products.get(good.sku)!.price, '99.90');
    assert.equal(new ProductStore(db).get(good.sku)!.state, 'linked');
  });

  it('a throwing override fails its product alone; the fixed override writes it from the retry set', async () => {
    const sku = 'SKU-000003';
    const throwing = async (p: Fw360Product) => {
      if (p.sku === sku) throw new Error('no such field');
      return p;
    };
    const s1 = await sync({ override: throwing, overrideText: 'v1' }).run();
    assert.deepEqual([s1.created, s1.failed], [499, 1]);
    assert.deepEqual([s1.failures[0]!.sku, s1.failures[0]!.reason], [sku, 'override: no such field']);
    assert.equal(new ProductStore(db).get(sku)!.state, 'failed');
    assert.equal(fw.products.has(sku), false);
    const s2 = await sync({ override: async (p: Fw360Product) => p, overrideText: 'v2' }).run();
    assert.deepEqual([s2.fetched, s2.retried, s2.failed], [0, 1, 0]);
    assert.equal(fw.products.get(sku)!.name, tg.articles.get('A-000003')!.name);
    assert.equal(new ProductStore(db).get(sku)!.state, 'linked');
  });

  it('a full resync deactivates what TotalGest no longer serves: deletions and a renamed SKU', async () => {
    await sync().run();
    const deleted = ['A-000010', 'A-000020', 'A-000030'];
    await control(tg.url, '/_sandbox/articles/delete', { ids: deleted });
    await control(tg.url, '/_sandbox/articles/rename', { id: 'A-000040', sku: 'NEW-000040' });
    // The full feed serves neither the tombstones nor the old SKU.
    const s = await sync().run({ full: true });
    assert.deepEqual([s.fetched, s.created, s.deactivated, s.failed], [497, 1, 4, 0]);
    for (const id of deleted) {
      const p = fw.products.get(`SKU-${id.slice(2)}`)!;
      assert.deepEqual([p.active, p.stock], [false, '0'], id);
    }
    const old = fw.products.get('SKU-000040')!;
    assert.deepEqual([old.active, old.stock], [false, '0']);
    assert.deepEqual(
      [fw.products.get('NEW-000040')!.active, fw.products.get('NEW-000040')!.totalgestId],
      [true, 'A-000040'],
    );
    assert.equal(new ProductStore(db).get('SKU-000040')!.state, 'deactivated');
    assert.equal(new ProductStore(db).resume(), undefined);
    // Nothing left to sweep.
    const again = await sync().run({ full: true });
    assert.deepEqual([again.deactivated, again.created, again.updated], [0, 0, 0]);
  });

  it('a shop that is down fails the run fast into the retry set; the next run writes everything', async () => {
    await control(fw.url, '/_sandbox/faults', { status: 503, forSeconds: 3600, path: '/products/save' });
    const s1 = await sync({ writeMaxAttempts: 3, retryBaseDelayMs: 5 }).run();
    assert.equal(s1.failed, 500);
    assert.match(s1.failures[0]!.reason, /HTTP 503/);
    assert.equal(new ProductStore(db).counts().failed, 500);
    const tried = fw.requests.filter((r) => r.path === '/m/api/products/save').length;
    assert.ok(
      tried < 500,
      `${tried} requests: once one product gave up with no success meanwhile, the rest failed without a request`,
    );
    await control(fw.url, '/_sandbox/reset', {});
    const s2 = await sync().run();
    assert.deepEqual(
      [s2.fetched, s2.retried, s2.failed, s2.stillFailed],
      [0, 500, 0, 0],
      JSON.stringify(s2.failures.slice(0, 2)),
    );
    assert.equal(fw.products.size, 500);
  });

  it('a stop during a Retry-After pause ends the run at once, sending nothing more; the next run waits it out, then writes the rest', async () => {
    // The round trip of one request on this machine now: the tolerance for "sent before the 429 was read".
    const t = Date.now();
    await control(fw.url, '/m/api/check');
    const tolerance = Math.max(50, 10 * (Date.now() - t));
    // 3 s, not 60: the next run now honours the pause too (it is kept per connection).
    await control(fw.url, '/_sandbox/faults', { status: 429, retryAfter: 3, count: 1, path: '/products/save' });
    const abort = new AbortController();
    const running = sync().run({ signal: abort.signal });
    await waitUntil(() => fw.requests.some((r) => r.status === 429));
    const refused = fw.requests.findIndex((r) => r.status === 429);
    abort.abort();
    const s1 = await running;
    assert.equal(s1.aborted, true);
    assert.equal(s1.failed, 0, 'a product held by a stop is not failed: the resumed run reads it again');
    // Requests in flight when the 429 came may still have landed; none was started after it was read.
    const after = fw.requests.slice(refused + 1).filter((r) => r.path === '/m/api/products/save');
    assert.ok(
      after.every((r) => r.at <= fw.requests[refused]!.doneAt! + tolerance),
      JSON.stringify(after.slice(0, 3)),
    );
    const before = fw.requests.length;
    const s2 = await sync().run();
    assert.equal(s2.failed, 0);
    assert.equal(fw.products.size, 500);
    const early = fw.requests
      .slice(before)
      .filter((r) => r.path === '/m/api/products/save' && r.at < fw.requests[refused]!.doneAt! + 3000);
    assert.equal(early.length, 0, 'the next run sent nothing before the Retry-After');
  });

  it('adapts write concurrency: rises under latency, halves on a 429 storm, and sends nothing before Retry-After', async function () {
    // The round trip of one request on this machine now: the tolerance for "sent before the 429 was read".
    const t = Date.now();
    await control(fw.url, '/m/api/check');
    const tolerance = Math.max(50, 10 * (Date.now() - t));
    await control(fw.url, '/_sandbox/faults', { latencyMs: 20 });
    const saves = () => fw.requests.filter((r) => r.path === '/m/api/products/save');
    const running = sync({ writeInitial: 4, writeConcurrency: 64 }).run();
    await waitUntil(() => saves().length >= 200);
    // A storm: every products/save answered 429 (Retry-After: 1 s) for 1.5 s — two waves of refusals.
    await control(fw.url, '/_sandbox/faults', { status: 429, retryAfter: 1, forSeconds: 1.5, path: '/products/save' });
    const s = await running;
    assert.equal(s.failed, 0, JSON.stringify(s.failures.slice(0, 3)));
    assert.equal(fw.products.size, 500);
    const log = saves();
    const storm = log.filter((r) => r.status === 429);
    assert.ok(storm.length > 0);
    const before = log.filter((r) => r.at < storm[0]!.at);
    const peak = maxInFlight(before);
    // Slow start from 4: at least one doubling, whatever the machine's load does to the round trip.
    assert.ok(peak >= 8, `in flight rose from 4 to ${peak} (server's count)`);
    assert.ok(s.concurrency!.backoffs >= 1, JSON.stringify(s.concurrency));
    for (const r of storm) {
      const early = log.filter((x) => x.at >= r.doneAt! + tolerance && x.at < r.doneAt! + 1000);
      assert.deepEqual(early, [], `requests within the Retry-After of the 429 answered at ${r.doneAt}`);
    }
    // After the storm the pool restarts at half its limit or less: the requests that arrive
    // before the first of them is answered are bounded by the limit.
    const last429 = Math.max(...storm.map((r) => r.doneAt!));
    const after = log.filter((r) => r.at >= last429 + 1000);
    assert.ok(after.length > 0);
    const firstDone = Math.min(...after.map((r) => r.doneAt!));
    const burst = after.filter((r) => r.at < firstDone).length;
    assert.ok(burst <= peak / 2, `restart burst ${burst} ≤ half the peak ${peak}`);
  });

  it('stops on a malformed TotalGest answer, naming the call and field, and keeps the cursor', async () => {
    const first = await sync().run();
    await control(tg.url, '/_sandbox/articles/mutate', { count: 3 });
    const cases: Array<[string, RegExp]> = [
      ['{"items":[],"serverTime":"2026-11-28T10:00:00.000Z"}', /next/],
      ['<html><body>502 Bad Gateway</body></html>', /not JSON/],
      ['{"items":[{"id":"A-1"', /not JSON/],
    ];
    for (const [rawBody, why] of cases) {
      await control(tg.url, '/_sandbox/faults', { status: 200, rawBody, count: 1, path: '/articles' });
      const err = await sync()
        .run()
        .then(
          () => assert.fail('the run should fail'),
          (e: Error) => e,
        );
      assert.match(err.message, /GET \/shops\/\{shopId\}\/articles/);
      assert.match(err.message, why);
      assert.equal(new ProductStore(db).cursor(), first.cursorAfter, 'the cursor did not move');
    }
    const s = await sync().run();
    assert.equal(s.updated, 3);
  });

  it('reads product bodies either way the store kept them: value arrays, and the object JSON of earlier versions', async () => {
    await sync().run();
    const store = new ProductStore(db);
    const asObject = (sku: string): Fw360Product => {
      const row = store.get(sku)!;
      assert.ok(row.body!.startsWith('['), 'kept as a value array');
      const product = productFromStored(row.body!) as Fw360Product;
      db.prepare('UPDATE products SET body = ? WHERE sku = ?').run(JSON.stringify(product), sku);
      return product;
    };
    // A sweep deactivates from an old-style body, every other field as last written.
    const before = asObject('SKU-000010');
    await control(tg.url, '/_sandbox/articles/delete', { ids: ['A-000010'] });
    const s = await sync().run({ full: true });
    assert.deepEqual([s.deactivated, s.failed], [1, 0]);
    assert.deepEqual(fw.products.get('SKU-000010'), {
      ...fw.products.get('SKU-000010'),
      ...before,
      active: false,
      stock: '0',
    });

    // Confirmations (emit mode): linked or deactivated by the body's `active`, in either form.
    const emitDb = openStateDatabase(':memory:');
    try {
      const emitStore = new ProductStore(emitDb);
      const emitter = new ProductSync(client, emitStore, undefined, { pageSize: 100 });
      await emitter.run({ onBatch: () => undefined });
      const oldStyle = (sku: string, active: boolean): Fw360Product => {
        const product = { ...(productFromStored(emitStore.get(sku)!.body!) as Fw360Product), active };
        emitDb.prepare('UPDATE products SET body = ? WHERE sku = ?').run(JSON.stringify(product), sku);
        return product;
      };
      oldStyle('SKU-000001', true);
      oldStyle('SKU-000002', false);
      const refused = oldStyle('SKU-000003', true);
      emitDb.prepare(`UPDATE products SET body = json_set(body, '$[9]', json('false')) WHERE sku = 'SKU-000004'`).run();
      const c = emitter.confirm(
        ['SKU-000001', 'SKU-000002', 'SKU-000004', 'SKU-000005'].map((sku) => ({ sku, fw360Id: null, error: null })),
      );
      assert.equal(c.confirmed, 4);
      assert.deepEqual(
        ['SKU-000001', 'SKU-000002', 'SKU-000004', 'SKU-000005'].map((sku) => emitStore.get(sku)!.state),
        ['linked', 'deactivated', 'deactivated', 'linked'],
      );
      // A refusal of an old-style body puts that very product in the retry set: the next run emits it again.
      emitter.confirm([{ sku: 'SKU-000003', fw360Id: null, error: 'no' }]);
      const again: Fw360Product[] = [];
      const next = await emitter.run({ onBatch: (b) => again.push(...b) });
      assert.deepEqual([next.retried, again.find((p) => p.sku === 'SKU-000003')], [1, refused]);
    } finally {
      emitDb.close();
    }
  });

  it('emits batches without a Framework360 connection, recorded as emitted until confirmed', async () => {
    const batches: Fw360Product[][] = [];
    const parts: Array<{ index: number; count?: number }> = [];
    const s = await new ProductSync(client, new ProductStore(db), undefined, { pageSize: 100, batchSize: 30 }).run({
      onBatch: (b, part) => (batches.push(b), parts.push(part)),
    });
    assert.equal(s.mode, 'emit');
    assert.equal(batches.flat().length, 500);
    assert.ok(batches.every((b) => b.length <= 30));
    assert.deepEqual(
      parts.map((p) => p.index),
      parts.map((_, i) => i),
    );
    assert.deepEqual(
      parts.map((p) => p.count),
      parts.map((_, i) => (i === parts.length - 1 ? parts.length : undefined)),
      'the last batch carries the count',
    );
    const store = new ProductStore(db);
    assert.deepEqual(store.counts(), { linked: 0, failed: 0, deactivated: 0, emitted: 500 });
    const confirmed = new ProductSync(client, store, undefined).confirm([
      { sku: 'SKU-000001', fw360Id: '77', error: null },
      { sku: 'SKU-000002', fw360Id: null, error: 'shop said no' },
      { sku: 'NOPE', fw360Id: null, error: null },
    ]);
    assert.deepEqual(confirmed, { confirmed: 1, failed: 1, notEmitted: ['NOPE'], stale: [] });
    assert.deepEqual([store.get('SKU-000001')!.state, store.get('SKU-000001')!.fw360_id], ['linked', '77']);
    assert.deepEqual(
      [store.get('SKU-000002')!.state, store.get('SKU-000002')!.error],
      ['failed', 'flow: shop said no'],
    );
    // The refused one is emitted again by the next run, from the retry set.
    const next = await new ProductSync(client, store, undefined, { batchSize: 30 }).run({
      onBatch: (b) => batches.push(b),
    });
    assert.deepEqual([next.fetched, next.retried], [0, 1]);
    assert.deepEqual(
      batches.at(-1)!.map((p) => p.sku),
      ['SKU-000002'],
    );
    assert.equal(store.get('SKU-000002')!.state, 'emitted');
    // A full resync emits again what the flow never confirmed (a lost batch would otherwise stay pending for good).
    const again = await new ProductSync(client, new ProductStore(db), undefined, {}).run({
      full: true,
      onBatch: (b) => batches.push(b),
    });
    assert.deepEqual([again.unchanged, again.emitted], [1, 499]);
    assert.match(again.summary, /499 emitted/);
  });

  it('applies an output override and validates its result', async () => {
    const s = await sync({
      override: async (p: Fw360Product) => ({ ...p, name: p.name.toUpperCase() }),
      overrideText: 'upper',
    }).run();
    assert.equal(s.created, 500);
    assert.equal(fw.products.get('SKU-000001')!.name, tg.articles.get('A-000001')!.name.toUpperCase());
    const bad = await sync({ override: async () => ({ sku: 1 }), overrideText: 'bad' }).run({ full: true });
    assert.equal(bad.failed, 500);
    assert.match(bad.failures[0]!.reason, /^override result: sku: /);
    assert.equal(bad.deactivated, 0, 'failed products are seen: the sweep leaves them');
  });

  it('syncs a 100,000-article catalogue in pages without holding it in memory', async function () {
    this.timeout(120_000);
    const big = new TotalGestSandbox({ articles: 100_000 });
    await big.start(0);
    const c = new TotalGestClient({ endpoint: big.url, ...demoCredentials });
    let maxBatch = 0;
    let total = 0;
    try {
      const s = await new ProductSync(c, new ProductStore(db), undefined, { pageSize: 500, batchSize: 500 }).run({
        onBatch: (b) => {
          maxBatch = Math.max(maxBatch, b.length);
          total += b.length;
        },
      });
      assert.deepEqual([s.fetched, s.created, s.pages], [100_000, 100_000, 200]);
      assert.equal(total, 100_000);
      assert.equal(maxBatch, 500, 'one page at a time');
    } finally {
      c.close();
      await big.stop();
    }
  });
});
