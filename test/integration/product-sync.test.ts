import assert from 'node:assert/strict';
import { ProductSync } from '../../src/engine/product-sync';
import { Framework360Client } from '../../src/framework360/client';
import { openStateDatabase, type StateDatabase } from '../../src/store/state-db';
import { ProductStore } from '../../src/store/product-store';
import { TotalGestClient } from '../../src/totalgest/client';
import { TotalGestSandbox } from '../../src/sandbox/totalgest-sandbox';
import type { Framework360Sandbox } from '../../src/sandbox/framework360-sandbox';
import type { Fw360Product } from '../../src/framework360/schemas';
import { control, demoCredentials, startFramework360, startTotalGest } from '../helpers/sandboxes';

describe('ProductSync (engine) against the sandboxes', function () {
  this.timeout(60_000);
  let tg: TotalGestSandbox;
  let fw: Framework360Sandbox;
  let db: StateDatabase;
  let client: TotalGestClient;
  let writer: Framework360Client;
  const sync = (opts = {}) => new ProductSync(client, new ProductStore(db), writer, { pageSize: 100, ...opts });

  before(async () => {
    tg = await startTotalGest({ articles: 500, demoArticles: false });
    fw = await startFramework360();
  });
  beforeEach(() => {
    tg.reset();
    fw.reset();
    db = openStateDatabase(':memory:');
    client = new TotalGestClient({ endpoint: tg.url, ...demoCredentials });
    writer = new Framework360Client({ siteUrl: fw.url, apiKey: 'demo-key' });
  });
  afterEach(() => {
    client.close();
    writer.close();
    db.close();
  });
  after(async () => {
    await tg.stop();
    await fw.stop();
  });

  it('full sync writes all 500 articles as products', async () => {
    const s = await sync().run();
    assert.deepEqual([s.fetched, s.created, s.updated, s.failed, s.pages], [500, 500, 0, 0, 5]);
    assert.equal(fw.products.size, 500);
    const a = tg.articles.get('A-000042')!;
    const p = fw.products.get(a.sku)!;
    assert.deepEqual([p.price, p.stock, p.totalgestId, p.active], [a.price, a.stock.available, a.id, true]);
    assert.ok(s.cursorAfter);
  });

  it('incremental run after mutate writes exactly the mutated ones; the overlap re-reads but does not rewrite', async () => {
    await sync().run();
    const saves = () => fw.products.size;
    const changed = (await control(tg.url, '/_sandbox/articles/mutate', { count: 7 })) as { changed: Array<{ sku: string }> };
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
    const del = (await control(tg.url, '/_sandbox/articles/delete', { count: 3 })) as { changed: Array<{ sku: string }> };
    const s = await sync().run();
    assert.equal(s.deactivated, 3);
    for (const { sku } of del.changed) assert.deepEqual([fw.products.get(sku)!.active, fw.products.get(sku)!.stock], [false, '0']);
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
    const s1 = await sync().run({ signal: abort.signal, onProgress: (n) => n >= 200 && abort.abort() });
    assert.equal(s1.aborted, true);
    assert.equal(s1.fetched, 200);
    const s2 = await sync().run();
    assert.equal(s2.fetched, 300, 'the second run starts after the pages already done');
    assert.equal(fw.products.size, 500);
    assert.ok(s2.cursorAfter);
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
    const page = { items: [good, { ...good, id: 'A-BAD', sku: 'BAD-1', stock: { onHand: 1 } }], next: null, serverTime: new Date().toISOString() };
    await control(tg.url, '/_sandbox/faults', { status: 200, rawBody: JSON.stringify(page), count: 1, path: '/articles' });
    const s = await sync().run();
    assert.equal(s.created, 1);
    assert.equal(s.failed, 1);
    assert.deepEqual([s.failures[0]!.sku, s.failures[0]!.id], ['BAD-1', 'A-BAD']);
    assert.match(s.failures[0]!.reason, /stock\.available/);
  });

  it('records failed writes and keeps the cursor so they are retried', async () => {
    await control(fw.url, '/_sandbox/faults', { status: 400, count: 2, path: '/products/save' });
    const s = await sync({ writeConcurrency: 1 }).run();
    assert.equal(s.failed, 2);
    assert.match(s.failures[0]!.reason, /products\/save/);
    assert.equal(s.cursorAfter, null, 'cursor not advanced');
    assert.equal(new ProductStore(db).counts().failed, 2);
    const s2 = await sync().run();
    assert.deepEqual([s2.created, s2.unchanged, s2.failed], [2, 498, 0]);
    assert.equal(fw.products.size, 500);
  });

  it('stops on a malformed TotalGest answer, naming the call and field, and keeps the cursor', async () => {
    const first = await sync().run();
    await control(tg.url, '/_sandbox/articles/mutate', { count: 3 });
    for (const rawBody of ['{"items":[],"serverTime":"2026-11-28T10:00:00.000Z"}', '<html><body>502 Bad Gateway</body></html>', '{"items":[{"id":"A-1"']) {
      await control(tg.url, '/_sandbox/faults', { status: 200, rawBody, count: 1, path: '/articles' });
      await assert.rejects(
        sync().run(),
        (e: Error) => /GET \/shops\/\{shopId\}\/articles/.test(e.message) && (/next/.test(e.message) || /not JSON/.test(e.message)),
      );
      assert.equal(new ProductStore(db).cursor(), first.cursorAfter, 'the cursor did not move');
    }
    const s = await sync().run();
    assert.equal(s.updated, 3);
  });

  it('emits batches without a Framework360 connection', async () => {
    const batches: Fw360Product[][] = [];
    const s = await new ProductSync(client, new ProductStore(db), undefined, { pageSize: 100, batchSize: 30 }).run({ onBatch: (b) => batches.push(b) });
    assert.equal(s.mode, 'emit');
    assert.equal(batches.flat().length, 500);
    assert.ok(batches.every((b) => b.length <= 30));
    const again = await new ProductSync(client, new ProductStore(db), undefined, {}).run({ full: true, onBatch: (b) => batches.push(b) });
    assert.equal(again.unchanged, 500);
  });

  it('applies an output override and validates its result', async () => {
    const s = await sync({ override: async (p: Fw360Product) => ({ ...p, name: p.name.toUpperCase() }), overrideText: 'upper' }).run();
    assert.equal(s.created, 500);
    assert.equal(fw.products.get('SKU-000001')!.name, tg.articles.get('A-000001')!.name.toUpperCase());
    const bad = await sync({ override: async () => ({ sku: 1 }), overrideText: 'bad' }).run({ full: true });
    assert.equal(bad.failed, 500);
    assert.match(bad.failures[0]!.reason, /override result/);
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
