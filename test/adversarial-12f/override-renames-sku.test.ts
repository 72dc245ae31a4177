/**
 * An output override that gives the shop its own SKUs (e.g. `sku: "TG-" & sku`), which the
 * engine means to support (it looks the renamed SKU up separately). Two defects:
 * 1. Change detection never matches: stored rows are keyed by the shop SKU, but the stored hashes
 *    are looked up by TotalGest's SKU, so every product counts as new on every run — a full
 *    resync (and the overlap of every incremental run) rewrites all of them, "created" each time.
 * 2. A product on which the override failed is recorded `failed` under TotalGest's SKU; once the
 *    article is fixed its product is written under the shop SKU, and the `failed` row stays for
 *    good: counted in stillFailed, retried (and failing again from its stale copy) by every run.
 */
import assert from 'node:assert/strict';
import { ProductSync } from '../../src/engine/product-sync';
import type { Fw360Product } from '../../src/framework360/schemas';
import { ProductStore } from '../../src/store/product-store';
import { productSyncSandboxes, type ProductSyncSandboxes } from '../helpers/product-sync-sandboxes';
import { control } from '../helpers/sandboxes';

describe('adversarial 12f: an override that gives the shop its own SKUs', function () {
  this.timeout(60_000);
  let s: ProductSyncSandboxes;
  const sandboxes = productSyncSandboxes({ articles: 50 });
  beforeEach(() => (s = sandboxes));

  const prefix = async (p: Fw360Product): Promise<unknown> => {
    // The integrator's rule: a product without a price is a mistake in TotalGest.
    if (p.price === '0.00') throw new Error('override: no price');
    return { ...p, sku: `TG-${p.sku}` };
  };
  const sync = () =>
    new ProductSync(s.client, new ProductStore(s.db), s.writer, {
      pageSize: 20,
      overlapMs: 0,
      override: prefix,
      overrideText: '$merge([$, {"sku": "TG-" & sku}])',
    });

  it('a second full run writes nothing: the products are unchanged', async () => {
    const first = await sync().run();
    assert.deepEqual([first.created, first.failed], [50, 0]);
    assert.equal(s.fw.products.has('TG-SKU-000001'), true);
    const again = await sync().run({ full: true });
    assert.deepEqual([again.created, again.updated, again.unchanged], [0, 0, 50]);
  });

  it('an override failure is cleared once the product is written', async () => {
    await sync().run();
    const a = s.tg.articles.get('A-000003')!;
    await control(s.tg.url, '/_sandbox/articles/corrupt', { id: a.id, set: { price: '0' } });
    const failed = await sync().run();
    assert.equal(failed.failed, 1);
    assert.equal(new ProductStore(s.db).counts().failed, 1);
    // Fixed in TotalGest: the product is written again under the shop's SKU.
    await control(s.tg.url, '/_sandbox/articles/corrupt', { id: a.id, set: { price: '9.90' } });
    const fixed = await sync().run();
    assert.equal(s.fw.products.get(`TG-${a.sku}`)!.price, '9.90');
    const later = await sync().run();
    assert.deepEqual(
      [fixed.stillFailed, later.failed, new ProductStore(s.db).counts().failed],
      [0, 0, 0],
      JSON.stringify(new ProductStore(s.db).list({ states: ['failed'], offset: 0, limit: 5 }).rows),
    );
  });

  it('an override failure is cleared once a fixed override writes it from the retry set', async () => {
    await sync().run();
    const a = s.tg.articles.get('A-000004')!;
    await control(s.tg.url, '/_sandbox/articles/corrupt', { id: a.id, set: { price: '0' } });
    assert.equal((await sync().run()).failed, 1);
    // The integrator fixes the override instead: a product without a price is written inactive.
    const fixedOverride = new ProductSync(s.client, new ProductStore(s.db), s.writer, {
      pageSize: 20,
      overlapMs: 0,
      override: async (p: Fw360Product) => ({ ...p, sku: `TG-${p.sku}`, active: p.price !== '0.00' && p.active }),
      overrideText: 'v2',
    });
    const fixed = await fixedOverride.run();
    assert.equal(s.fw.products.get(`TG-${a.sku}`)!.active, false);
    assert.deepEqual(
      [fixed.failed, fixed.stillFailed, new ProductStore(s.db).counts().failed],
      [0, 0, 0],
      JSON.stringify(new ProductStore(s.db).list({ states: ['failed'], offset: 0, limit: 5 }).rows),
    );
  });
});
