/**
 * A SKU handed to another article, with an override that gives the shop its own SKUs (`TG-` & sku).
 * Article B takes over SKU S from A; a later run serves A's deletion (tombstone, still carrying S).
 * Without an override the store's row for S names B, so A's tombstone is left alone. With the
 * override the rows are kept under the shop SKU (TG-S) while the holder check still looks up
 * TotalGest's SKU S, finds no row, and lets A's tombstone deactivate TG-S, which B holds live:
 * the shop ends with the product inactive for good (neither article changes again).
 */
import assert from 'node:assert/strict';
import { ProductSync } from '../../src/engine/product-sync';
import type { Fw360Product } from '../../src/framework360/schemas';
import { ProductStore } from '../../src/store/product-store';
import type { Article } from '../../src/totalgest/schemas';
import { productSyncSandboxes, type ProductSyncSandboxes } from '../helpers/product-sync-sandboxes';
import { control } from '../helpers/sandboxes';

describe('adversarial 12g: a SKU handover under an override that renames SKUs', function () {
  this.timeout(60_000);
  let s: ProductSyncSandboxes;
  const sandboxes = productSyncSandboxes({ articles: 20 });
  beforeEach(() => (s = sandboxes));

  for (const sameRun of [true, false]) {
    it(`the old holder's tombstone never deactivates the new holder (${sameRun ? 'one run' : 'next run'})`, async () => {
      const sync = () =>
        new ProductSync(s.client, new ProductStore(s.db), s.writer, {
          pageSize: 1,
          overlapMs: 0,
          override: async (p: Fw360Product) => ({ ...p, sku: `TG-${p.sku}` }),
          overrideText: 'prefix',
        });
      await sync().run();
      const a = s.tg.articles.get('A-000005')!;
      const b: Article = { ...a, id: 'B-000005', name: 'New holder', updatedAt: new Date().toISOString() };
      await control(s.tg.url, '/_sandbox/articles', { items: [b] });
      if (!sameRun) await sync().run();
      // Stamped after that run's start: only the deletion is in the next run's feed.
      const gone: Article = { ...a, deleted: true, active: false, updatedAt: new Date(Date.now() + 10).toISOString() };
      await control(s.tg.url, '/_sandbox/articles', { items: [gone] });
      await sync().run();
      const p = s.fw.products.get(`TG-${a.sku}`)!;
      assert.deepEqual([p.totalgestId, p.active, p.name], ['B-000005', true, 'New holder']);
    });
  }
});
