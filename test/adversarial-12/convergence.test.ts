/**
 * Adversarial review of issue 12 (product convergence). Each test asserts the promise; a
 * failing test is a proven defect (see the report). Real HTTP on loopback against the sandboxes.
 */
import assert from 'node:assert/strict';
import { ProductSync, type BatchPart } from '../../src/engine/product-sync';
import type { Fw360Product } from '../../src/framework360/schemas';
import { ProductStore } from '../../src/store/product-store';
import type { Article } from '../../src/totalgest/schemas';
import type { TotalGestSandbox } from '../../src/sandbox/totalgest-sandbox';
import { article, iso, productSyncSandboxes, type ProductSyncSandboxes } from '../helpers/product-sync-sandboxes';
import { control } from '../helpers/sandboxes';

async function upsert(tg: TotalGestSandbox, items: Article[]): Promise<void> {
  const r = (await control(tg.url, '/_sandbox/articles', { items })) as { upserted?: number };
  assert.equal(r.upserted, items.length, JSON.stringify(r));
}

describe('regression (issue 12 review): product convergence', function () {
  this.timeout(60_000);
  let { tg, fw, db, client, writer } = {} as ProductSyncSandboxes;

  const sandboxes = productSyncSandboxes({ articles: 0, writerTimeoutMs: 400 });
  beforeEach(() => ({ tg, fw, db, client, writer } = sandboxes));

  it('D1: an article updated during a run (seen on two adjacent pages) ends with the newest version in the shop', async () => {
    const t = Date.now() - 3_600_000;
    await upsert(tg, [
      article('A-X', 'X', '10.00', t),
      article('A-Y', 'Y', '20.00', t + 1),
      article('A-W', 'W', '30.00', t + 2),
    ]);
    const sync = () =>
      new ProductSync(client, new ProductStore(db), writer, { pageSize: 2, overlapMs: 0, retryBaseDelayMs: 10 });
    await sync().run();
    assert.equal(fw.products.get('X')!.price, '10.00');

    // Incremental run: page 1 = [Y (touched, unchanged), X v1], page 2 = [W (touched, unchanged), X v2]:
    // X is changed again in TotalGest while page 1 is being handled.
    const now = Date.now();
    await upsert(tg, [
      article('A-Y', 'Y', '20.00', now + 1),
      article('A-X', 'X', '11.00', now + 2),
      article('A-W', 'W', '30.00', now + 3),
    ]);
    const page = client.articlePage.bind(client);
    let pages = 0;
    client.articlePage = async (q) => {
      const p = await page(q);
      if (++pages === 1) await upsert(tg, [article('A-X', 'X', '12.00', now + 4)]);
      return p;
    };
    // The first products/save (X v1, the only change of page 1) is held by the network until the
    // client times out; it is retried after X v2 (page 2) was written.
    await control(fw.url, '/_sandbox/faults', { hang: true, count: 1, path: '/products/save' });
    const s2 = await sync().run();
    assert.equal(s2.failed, 0);
    client.articlePage = page;
    const s3 = await sync().run();
    assert.equal(tg.articles.get('A-X')!.price, '12.00');
    assert.equal(
      fw.products.get('X')!.price,
      '12.00',
      `TotalGest says 12.00, the shop keeps ${fw.products.get('X')!.price} after the next run (updated ${s3.updated}, unchanged ${s3.unchanged}); store state ${new ProductStore(db).get('X')!.state}`,
    );
  });

  it('D2: emit mode: a late confirmation of an earlier batch does not mark a newer, unwritten version linked', async () => {
    const t = Date.now() - 3_600_000;
    await upsert(tg, [article('A-X', 'X', '10.00', t)]);
    const store = new ProductStore(db);
    const batches: Fw360Product[][] = [];
    const sync = () => new ProductSync(client, new ProductStore(db), undefined, { overlapMs: 0 });
    await sync().run({ onBatch: (b) => batches.push(b) });
    assert.deepEqual(
      batches.at(-1)!.map((p) => p.price),
      ['10.00'],
    );
    // The flow is slow: before it has written batch 1, X changes and the next run emits v2.
    await upsert(tg, [article('A-X', 'X', '12.00', Date.now())]);
    await sync().run({ onBatch: (b) => batches.push(b) });
    assert.deepEqual(
      batches.at(-1)!.map((p) => p.price),
      ['12.00'],
    );
    // The flow writes v1 (ok) and confirms it; then its write of v2 fails and it says so.
    const c1 = sync().confirm([{ sku: 'X', fw360Id: '1', error: null }]);
    const c2 = sync().confirm([{ sku: 'X', fw360Id: null, error: 'HTTP 500' }]);
    const row = store.get('X')!;
    const s3 = await sync().run({ onBatch: (b) => batches.push(b) });
    const reEmitted = batches.length > 2 && batches.at(-1)!.some((p) => p.sku === 'X' && p.price === '12.00');
    assert.ok(
      row.state !== 'linked' || reEmitted,
      `v2 was never written, yet X is '${row.state}' (confirm v1: ${JSON.stringify(c1)}, confirm v2 error: ${JSON.stringify(c2)}); ` +
        `the next run emits ${s3.created + s3.updated} and X is never sent again`,
    );
  });

  it('D2 (versioned): a late confirmation quoting the earlier version is ignored; the newer one stays pending until confirmed', async () => {
    const t = Date.now() - 3_600_000;
    await upsert(tg, [article('A-X', 'X', '10.00', t)]);
    const parts: BatchPart[] = [];
    const sync = () => new ProductSync(client, new ProductStore(db), undefined, { overlapMs: 0 });
    await sync().run({ onBatch: (_b, part) => parts.push(part) });
    await upsert(tg, [article('A-X', 'X', '12.00', Date.now())]);
    await sync().run({ onBatch: (_b, part) => parts.push(part) });
    const [v1, v2] = [parts[0]!.versions['X']!, parts[1]!.versions['X']!];
    assert.notEqual(v1, v2);
    assert.deepEqual(sync().confirm([{ sku: 'X', fw360Id: '1', error: null, version: v1 }]), {
      confirmed: 0,
      failed: 0,
      notEmitted: [],
      stale: ['X'],
    });
    assert.equal(new ProductStore(db).get('X')!.state, 'emitted');
    assert.deepEqual(sync().confirm([{ sku: 'X', fw360Id: '1', error: null, version: v2 }]), {
      confirmed: 1,
      failed: 0,
      notEmitted: [],
      stale: [],
    });
    assert.equal(new ProductStore(db).get('X')!.state, 'linked');
    // A late failure of v1 no longer sends anything back to the retry set.
    assert.deepEqual(sync().confirm([{ sku: 'X', fw360Id: null, error: 'HTTP 500', version: v1 }]).stale, ['X']);
    assert.equal(new ProductStore(db).get('X')!.state, 'linked');
  });

  it('D3: a write that timed out but reached the shop, then the article is deleted: a full resync deactivates it', async () => {
    const t = Date.now() - 3_600_000;
    await upsert(tg, [article('A-X', 'X', '10.00', t)]);
    // Every answer is slower than the client's timeout: the shop applies the save, the client sees a timeout.
    await control(fw.url, '/_sandbox/faults', { latencyMs: 700 });
    // One attempt: a retried save still inside the sandbox's latency would land during the next test.
    const s1 = await new ProductSync(client, new ProductStore(db), writer, {
      writeMaxAttempts: 1,
      retryBaseDelayMs: 10,
    }).run();
    assert.equal(s1.failed, 1);
    while (!fw.products.has('X')) await new Promise((r) => setTimeout(r, 10)); // the shop applies it after the client gave up
    assert.equal(fw.products.get('X')?.active, true, 'the shop did apply the save');
    await control(fw.url, '/_sandbox/faults', { latencyMs: 0 });
    // Deleted in TotalGest; the user then runs a full resync (msg.full).
    await upsert(tg, [article('A-X', 'X', '10.00', Date.now(), { deleted: true, active: false })]);
    const s2 = await new ProductSync(client, new ProductStore(db), writer).run({ full: true });
    assert.equal(
      fw.products.get('X')!.active,
      false,
      `deleted in TotalGest, still active in the shop; the full run deactivated ${s2.deactivated}, store row: ${JSON.stringify(new ProductStore(db).get('X') ?? null)}`,
    );
  });
  it('D4: SKU reused: the SKU moves to a new article, then the old article is deleted — the shop keeps the live one active', async () => {
    const t = Date.now() - 3_600_000;
    await upsert(tg, [article('A-OLD', 'S', '10.00', t)]);
    const sync = () => new ProductSync(client, new ProductStore(db), writer, { overlapMs: 0 });
    await sync().run();
    // In TotalGest: a new article takes over SKU S (the old one is renumbered away by deletion a moment later).
    const now = Date.now();
    await upsert(tg, [
      article('A-NEW', 'S', '15.00', now + 1),
      article('A-OLD', 'S', '10.00', now + 2, { deleted: true, active: false }),
    ]);
    const s2 = await sync().run();
    assert.equal(s2.failed, 0);
    await sync().run();
    const p = fw.products.get('S')!;
    assert.deepEqual(
      [p.active, p.price, p.totalgestId],
      [true, '15.00', 'A-NEW'],
      `TotalGest serves S live (A-NEW, 15.00); the shop has active=${p.active} price ${p.price} from ${p.totalgestId}, store: ${new ProductStore(db).get('S')!.state}`,
    );
  });

  it('D4 (later runs): the old article deleted a run after the move leaves the SKU live; the new one deleted deactivates it', async () => {
    const t = Date.now() - 3_600_000;
    await upsert(tg, [article('A-OLD', 'S', '10.00', t)]);
    const sync = () => new ProductSync(client, new ProductStore(db), writer, { overlapMs: 0 });
    await sync().run();
    await upsert(tg, [article('A-NEW', 'S', '15.00', Date.now())]);
    await sync().run();
    await upsert(tg, [article('A-OLD', 'S', '10.00', Date.now() + 1, { deleted: true, active: false })]);
    await sync().run();
    assert.deepEqual([fw.products.get('S')!.active, fw.products.get('S')!.totalgestId], [true, 'A-NEW']);
    await upsert(tg, [article('A-NEW', 'S', '15.00', Date.now() + 2, { deleted: true, active: false })]);
    await sync().run();
    assert.deepEqual([fw.products.get('S')!.active, fw.products.get('S')!.stock], [false, '0']);
  });

  it('D5 (emit mode): a batch the flow lost (no confirmation ever) is emitted again by a later full run', async () => {
    const t = Date.now() - 3_600_000;
    await upsert(tg, [article('A-X', 'X', '10.00', t)]);
    const sync = () => new ProductSync(client, new ProductStore(db), undefined, { overlapMs: 0 });
    await sync().run({ onBatch: () => undefined }); // lost: a redeploy stopped the flow before it wrote the batch
    const emitted: Fw360Product[] = [];
    const again = await sync().run({ full: true, onBatch: (b) => emitted.push(...b) });
    assert.ok(
      emitted.some((p) => p.sku === 'X'),
      `X is '${new ProductStore(db).get('X')!.state}' (never confirmed), the full run counts it unchanged (${again.unchanged}) and emits nothing`,
    );
  });

  it("D6: TotalGest's clock steps back (beyond the overlap): an article changed after the step is still written", async () => {
    const t = Date.now() - 3_600_000;
    await upsert(tg, [article('A-X', 'X', '10.00', t)]);
    const sync = () => new ProductSync(client, new ProductStore(db), writer);
    await sync().run();
    // TotalGest's clock is set back 10 minutes (an NTP correction, a restored VM): its next answer says so.
    const back = Date.now() - 10 * 60_000;
    await control(tg.url, '/_sandbox/faults', {
      status: 200,
      rawBody: JSON.stringify({ items: [], next: null, serverTime: iso(back) }),
      count: 1,
      path: '/articles',
    });
    const s2 = await sync().run();
    // X changes in TotalGest, stamped by its (now earlier) clock.
    await upsert(tg, [article('A-X', 'X', '12.00', back + 30_000)]);
    const s3 = await sync().run();
    const s4 = await sync().run();
    assert.equal(
      fw.products.get('X')!.price,
      '12.00',
      `cursor stayed ${s2.cursorAfter} after TotalGest said ${iso(back)}; runs 3, 4 fetched ${s3.fetched}, ${s4.fetched}: the change is missed`,
    );
  });

  it('D7 (emit mode): a flow that writes and confirms a batch promptly gets its confirmation recorded', async () => {
    const t = Date.now() - 3_600_000;
    const items = Array.from({ length: 40 }, (_, i) =>
      article(`A-${i}`, `S-${String(i).padStart(3, '0')}`, '10.00', t + i),
    );
    await upsert(tg, items);
    // TotalGest answers pages slowly (a big catalogue, a busy server); the flow is quick.
    await control(tg.url, '/_sandbox/faults', { latencyMs: 300, path: '/articles' });
    const flowWriter = writer;
    const sync = new ProductSync(client, new ProductStore(db), undefined, { pageSize: 20, batchSize: 5 });
    const confirmations: Array<Promise<{ confirmed: number; failed: number; notEmitted: string[] }>> = [];
    const s = await sync.run({
      // The flow: products/save each product of the batch, then msg.topic "confirm" with the answers.
      onBatch: (batch) =>
        void confirmations.push(
          Promise.all(batch.map((p) => flowWriter.saveProductOnce(p))).then((answers) =>
            sync.confirm(batch.map((p, i) => ({ sku: p.sku, fw360Id: String(answers[i]!.id), error: null }))),
          ),
        ),
    });
    const results = await Promise.all(confirmations);
    const dropped = results.flatMap((r) => r.notEmitted);
    const counts = new ProductStore(db).counts();
    assert.equal(fw.products.size, 40, 'the flow wrote every product');
    assert.deepEqual(
      [dropped.length, counts.emitted],
      [0, 0],
      `${dropped.length} confirmations answered "not emitted" (e.g. ${dropped[0]}); ${counts.emitted} written products stay 'emitted' (pending) for good; run: ${s.summary}`,
    );
  });

  it('D8: a tombstone that fails validation (a deleted article with a stale bad field) still deactivates the product', async () => {
    const t = Date.now() - 3_600_000;
    await upsert(tg, [article('A-X', 'X', '10.00', t)]);
    const sync = () => new ProductSync(client, new ProductStore(db), writer);
    await sync().run();
    // Deleted in TotalGest; its (stale) stock is no longer kept tidy: the tombstone breaks the contract.
    await control(tg.url, '/_sandbox/articles/corrupt', {
      id: 'A-X',
      set: { deleted: true, active: false, stock: { onHand: '0', reserved: '0' } },
    });
    const s2 = await sync().run();
    const s3 = await sync().run();
    const row = new ProductStore(db).get('X')!;
    assert.equal(
      fw.products.get('X')!.active,
      false,
      `deleted in TotalGest, active in the shop after two incremental runs (${s2.summary} / ${s3.summary}); row ${row.state}: ${row.error}; pending ${row.pending}`,
    );
  });
});
