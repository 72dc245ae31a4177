/**
 * The shop URL is mistyped for one run (or points at a shop that does not answer): the run drops the
 * state kept for shop A at its start, before the new shop ever answered, and every write fails. When
 * the URL is put right, the run back to A is a full one from nothing, and an article deleted in
 * TotalGest meanwhile (its tombstone still in the feed) is taken for a product never written: it
 * stays active in shop A for good. The state should be dropped only once the new shop answers.
 */
import assert from 'node:assert/strict';
import { Framework360Client } from '../../src/framework360/client';
import { ProductSync } from '../../src/engine/product-sync';
import { ProductStore } from '../../src/store/product-store';
import { productSyncSandboxes, type ProductSyncSandboxes } from '../helpers/product-sync-sandboxes';
import { control } from '../helpers/sandboxes';

describe('adversarial 12h: one run with a mistyped shop URL', function () {
  this.timeout(60_000);
  let s: ProductSyncSandboxes;
  const sandboxes = productSyncSandboxes({ articles: 20 });
  beforeEach(() => (s = sandboxes));

  it('deactivates in shop A an article deleted while the shop URL was mistyped for one run', async () => {
    // No shop answers there: not one product was written elsewhere, yet A's state was dropped.
    const typo = new Framework360Client({
      siteUrl: 'http://127.0.0.1:9',
      apiKey: 'demo-key',
      retry: { maxAttempts: 1 },
    });
    try {
      const store = new ProductStore(s.db);
      const to = (w: Framework360Client) => new ProductSync(s.client, store, w, { pageSize: 10 });
      await to(s.writer).run();
      await control(s.tg.url, '/_sandbox/articles/delete', { ids: ['A-000012'] });
      // Refused, or run with every write failing: either way nothing reached a shop.
      const failed = await to(typo)
        .run()
        .catch((err: Error) => err);
      if (!(failed instanceof Error)) assert.equal(failed.created + failed.updated + failed.deactivated, 0);
      await to(s.writer).run();
      const p = s.fw.products.get('SKU-000012')!;
      assert.deepEqual([p.active, p.stock], [false, '0'], 'shop A still sells the deleted article');
    } finally {
      typo.close();
    }
  });
});
