/**
 * An override that gives the shop its own SKUs, introduced on a connection that has already
 * written the products under TotalGest's SKUs (or changed from one prefix to another). The shop
 * now holds two products per article: the old one under TotalGest's SKU, which nothing serves any
 * more, and the new one. A full resync's sweep is there for exactly this ("a renamed SKU leaves the
 * old product active"), but the engine marks every article's TotalGest SKU as seen, whatever SKU
 * the override gave the product: the old products stay active and on sale for good.
 */
import assert from 'node:assert/strict';
import { ProductSync } from '../../src/engine/product-sync';
import type { Fw360Product } from '../../src/framework360/schemas';
import { ProductStore } from '../../src/store/product-store';
import { productSyncSandboxes, type ProductSyncSandboxes } from '../helpers/product-sync-sandboxes';

describe('adversarial 12g: an override that renames SKUs, introduced later', function () {
  this.timeout(60_000);
  let s: ProductSyncSandboxes;
  const sandboxes = productSyncSandboxes({ articles: 30 });
  beforeEach(() => (s = sandboxes));

  it('a full resync deactivates the products left under the old SKUs', async () => {
    await new ProductSync(s.client, new ProductStore(s.db), s.writer, { pageSize: 10 }).run();
    assert.equal(s.fw.products.get('SKU-000003')!.active, true);
    const renamed = new ProductSync(s.client, new ProductStore(s.db), s.writer, {
      pageSize: 10,
      override: async (p: Fw360Product) => ({ ...p, sku: `TG-${p.sku}` }),
      overrideText: '$merge([$, {"sku": "TG-" & sku}])',
    });
    const full = await renamed.run({ full: true });
    assert.equal(full.created, 30);
    assert.equal(s.fw.products.get('TG-SKU-000003')!.active, true);
    assert.deepEqual([s.fw.products.get('SKU-000003')!.active, full.deactivated], [false, 30]);
    // Settled: the next full resync writes nothing.
    const again = await renamed.run({ full: true });
    assert.deepEqual([again.created, again.updated, again.deactivated, again.unchanged], [0, 0, 0, 30]);
  });
});
