/**
 * A SKU handed to another article, with the old article's deletion on the NEXT page of the feed.
 * TotalGest: article B takes over SKU S (created, active) and afterwards the old article A (also
 * S) is deleted; the incremental feed (sorted by updatedAt) serves B on page N and A's tombstone on
 * page N+1. On one page the engine sees that B holds S now and leaves A's deletion alone. Across a
 * page boundary it did not: in write mode page N+1 is worked (store.known) before page N is
 * recorded (prefetch/pipelining), so the store still says A holds S, A's tombstone deactivates S,
 * and the shop ends with S inactive while TotalGest serves it active under B — for good (neither
 * article changes again). The same-page case is the control.
 */
import assert from 'node:assert/strict';
import { ProductSync } from '../../src/engine/product-sync';
import { ProductStore } from '../../src/store/product-store';
import type { Article } from '../../src/totalgest/schemas';
import { productSyncSandboxes, type ProductSyncSandboxes } from '../helpers/product-sync-sandboxes';
import { control } from '../helpers/sandboxes';

describe('adversarial 12f: a SKU handed to another article across a page boundary', function () {
  this.timeout(60_000);
  let s: ProductSyncSandboxes;
  const sandboxes = productSyncSandboxes({ articles: 20 });
  beforeEach(() => (s = sandboxes));

  for (const pageSize of [100, 1]) {
    it(`the deletion of the old holder never deactivates the new one (page size ${pageSize})`, async () => {
      const sync = () => new ProductSync(s.client, new ProductStore(s.db), s.writer, { pageSize });
      await sync().run();
      const a = s.tg.articles.get('A-000005')!;
      assert.equal(s.fw.products.get(a.sku)!.totalgestId, 'A-000005');
      const t = Date.now() + 5_000;
      const b: Article = { ...a, id: 'B-000005', name: 'New holder', updatedAt: new Date(t).toISOString() };
      const gone: Article = { ...a, deleted: true, active: false, updatedAt: new Date(t + 1).toISOString() };
      await control(s.tg.url, '/_sandbox/articles', { items: [b] });
      await control(s.tg.url, '/_sandbox/articles', { items: [gone] });
      const run = await sync().run();
      assert.equal(run.failed, 0);
      const p = s.fw.products.get(a.sku)!;
      assert.deepEqual([p.totalgestId, p.active, p.name], ['B-000005', true, 'New holder']);
      const row = new ProductStore(s.db).get(a.sku)!;
      assert.deepEqual([row.totalgest_id, row.state], ['B-000005', 'linked']);
    });
  }
});

describe('adversarial 12f: a SKU taken over from an article the shop never received', function () {
  this.timeout(60_000);
  let s: ProductSyncSandboxes;
  const sandboxes = productSyncSandboxes({ articles: 20 });
  beforeEach(() => (s = sandboxes));

  // A and B both carried SKU DUP-1 between two runs (a duplicate, cleaned up by deleting A after B
  // was made). The feed serves B (active) and then A's tombstone; no row named a holder before the
  // run, so the holder check let A's tombstone deactivate what B had just written.
  for (const pageSize of [100, 1]) {
    it(`a tombstone of a never-synced article does not deactivate the live holder (page size ${pageSize})`, async () => {
      const sync = () => new ProductSync(s.client, new ProductStore(s.db), s.writer, { pageSize });
      await sync().run();
      const base = s.tg.articles.get('A-000007')!;
      const t = Date.now() + 5_000;
      const b: Article = { ...base, id: 'C-2', sku: 'DUP-1', name: 'Live', updatedAt: new Date(t).toISOString() };
      const a: Article = {
        ...base,
        id: 'C-1',
        sku: 'DUP-1',
        name: 'Duplicate',
        deleted: true,
        active: false,
        updatedAt: new Date(t + 1).toISOString(),
      };
      await control(s.tg.url, '/_sandbox/articles', { items: [b, a] });
      const run = await sync().run();
      assert.equal(run.failed, 0);
      const p = s.fw.products.get('DUP-1')!;
      assert.deepEqual([p.totalgestId, p.active, p.name], ['C-2', true, 'Live']);
    });
  }
});

describe('adversarial 12f: the old holder’s tombstone served invalid, on the next page', function () {
  this.timeout(60_000);
  let s: ProductSyncSandboxes;
  const sandboxes = productSyncSandboxes({ articles: 20 });
  beforeEach(() => (s = sandboxes));

  // As above, but TotalGest serves A's tombstone with a broken field: the engine deactivates from
  // the copy it kept, after the same holder check — which read the store before page N was recorded.
  for (const pageSize of [100, 1]) {
    it(`an invalid tombstone of the old holder never deactivates the new one (page size ${pageSize})`, async () => {
      const sync = () => new ProductSync(s.client, new ProductStore(s.db), s.writer, { pageSize });
      await sync().run();
      const a = s.tg.articles.get('A-000006')!;
      const b: Article = {
        ...a,
        id: 'B-000006',
        name: 'New holder',
        updatedAt: new Date(Date.now() - 1000).toISOString(),
      };
      await control(s.tg.url, '/_sandbox/articles', { items: [b] });
      await control(s.tg.url, '/_sandbox/articles/corrupt', {
        id: a.id,
        set: { deleted: true, active: false, price: 'twelve' },
      });
      await sync().run();
      const p = s.fw.products.get(a.sku)!;
      assert.deepEqual([p.totalgestId, p.active, p.name], ['B-000006', true, 'New holder']);
    });
  }
});
