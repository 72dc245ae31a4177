/**
 * A stale failure record of the old holder, under an override that gives the shop its own SKUs.
 * The override throws on an update of article A (SKU S): the failure waits in the retry set under
 * TotalGest's SKU S, with A's mapped product. Then B takes over S and A is deleted; the override is
 * fixed. The next run writes B's product under TG-S and leaves A's tombstone alone (B holds S), but
 * the retry set still holds A's record: it is retried after the feed and writes A's old, active
 * product over the one B holds — the shop shows a deleted article's data until B changes again.
 */
import assert from 'node:assert/strict';
import { ProductSync } from '../../src/engine/product-sync';
import type { Fw360Product } from '../../src/framework360/schemas';
import { ProductStore } from '../../src/store/product-store';
import type { Article } from '../../src/totalgest/schemas';
import { productSyncSandboxes, type ProductSyncSandboxes } from '../helpers/product-sync-sandboxes';
import { control } from '../helpers/sandboxes';

describe('adversarial 12g: the old holder’s failure record after a SKU handover (override renames SKUs)', function () {
  this.timeout(60_000);
  let s: ProductSyncSandboxes;
  const sandboxes = productSyncSandboxes({ articles: 20 });
  beforeEach(() => (s = sandboxes));

  it('is not written over the product the new holder took', async () => {
    let broken = false;
    const sync = () =>
      new ProductSync(s.client, new ProductStore(s.db), s.writer, {
        pageSize: 5,
        override: async (p: Fw360Product) => {
          if (broken && p.totalgestId === 'A-000005') throw new Error('override: lookup table down');
          return { ...p, sku: `TG-${p.sku}` };
        },
        overrideText: 'prefix',
      });
    await sync().run();
    const a = s.tg.articles.get('A-000005')!;
    broken = true;
    await control(s.tg.url, '/_sandbox/articles/corrupt', { id: a.id, set: { price: '99.00' } });
    assert.equal((await sync().run()).failed, 1);
    broken = false;
    const b: Article = { ...a, id: 'B-000005', name: 'New holder', updatedAt: new Date().toISOString() };
    await control(s.tg.url, '/_sandbox/articles', { items: [b] });
    const gone: Article = { ...a, deleted: true, active: false, updatedAt: new Date(Date.now() + 10).toISOString() };
    await control(s.tg.url, '/_sandbox/articles', { items: [gone] });
    const run = await sync().run();
    const p = s.fw.products.get(`TG-${a.sku}`)!;
    assert.deepEqual([p.totalgestId, p.active, p.name], ['B-000005', true, 'New holder']);
    assert.deepEqual([run.stillFailed, new ProductStore(s.db).counts().failed], [0, 0]);
  });
});
