/**
 * An override that gives the shop its own SKUs (`TG-` & sku) throws for one article during a full
 * resync (the integrator's rule: no price is a mistake in TotalGest). Standards: bad input gives a
 * clear error, and nothing changes. The article's failure is recorded under TotalGest's SKU and that
 * SKU is marked seen, but the product the shop holds is under the override's SKU, which nothing
 * marks: the sweep deactivates it, as if TotalGest had deleted the article.
 */
import assert from 'node:assert/strict';
import { ProductSync } from '../../src/engine/product-sync';
import type { Fw360Product } from '../../src/framework360/schemas';
import { ProductStore } from '../../src/store/product-store';
import { productSyncSandboxes, type ProductSyncSandboxes } from '../helpers/product-sync-sandboxes';
import { control } from '../helpers/sandboxes';

describe('adversarial 12g: an override that renames SKUs fails for one article in a full resync', function () {
  this.timeout(60_000);
  let s: ProductSyncSandboxes;
  const sandboxes = productSyncSandboxes({ articles: 30 });
  beforeEach(() => (s = sandboxes));

  it('fails the article and leaves its product in the shop as it is', async () => {
    const sync = () =>
      new ProductSync(s.client, new ProductStore(s.db), s.writer, {
        pageSize: 10,
        override: async (p: Fw360Product) => {
          if (p.price === '0.00') throw new Error('override: no price');
          return { ...p, sku: `TG-${p.sku}` };
        },
        overrideText: 'prefix',
      });
    await sync().run();
    await control(s.tg.url, '/_sandbox/articles/corrupt', { id: 'A-000003', set: { price: '0' } });
    const full = await sync().run({ full: true });
    assert.equal(full.failed, 1);
    assert.match(full.failures[0]!.reason, /no price/);
    assert.deepEqual([s.fw.products.get('TG-SKU-000003')!.active, full.deactivated], [true, 0]);
  });
});
