/**
 * A full resync stopped part-way (a redeploy), then the integrator changes the output override
 * (here the shop's SKU prefix) and asks for a full resync (`msg.full`) to apply it everywhere. Since
 * 12f a stopped full run is continued by the next run whatever triggers it: the new run starts
 * after the pages the stopped one read, under the stopped run's mark. The pages before are never
 * read with the new override: their products are missing under the new SKUs, and the old ones are
 * not swept (marked seen by the stopped run), though the run reports a complete full resync.
 */
import assert from 'node:assert/strict';
import { ProductSync } from '../../src/engine/product-sync';
import type { Fw360Product } from '../../src/framework360/schemas';
import { ProductStore } from '../../src/store/product-store';
import { productSyncSandboxes, type ProductSyncSandboxes } from '../helpers/product-sync-sandboxes';

describe('adversarial 12g: a stopped full resync, then a full resync with another override', function () {
  this.timeout(60_000);
  let s: ProductSyncSandboxes;
  const sandboxes = productSyncSandboxes({ articles: 30 });
  beforeEach(() => (s = sandboxes));

  it('applies the new override to every article', async () => {
    const sync = (prefix: string, opts = {}) =>
      new ProductSync(s.client, new ProductStore(s.db), s.writer, {
        pageSize: 10,
        override: async (p: Fw360Product) => ({ ...p, sku: `${prefix}${p.sku}` }),
        overrideText: `$merge([$, {"sku": "${prefix}" & sku}])`,
        ...opts,
      });
    await sync('TG-').run();
    const abort = new AbortController();
    const stopped = await sync('TG-', { writeConcurrency: 1 }).run({
      full: true,
      forceWrite: true,
      signal: abort.signal,
      onProgress: () => new ProductStore(s.db).resume() && abort.abort(),
    });
    assert.equal(stopped.aborted, true);
    const full = await sync('SHOP-').run({ full: true });
    assert.equal(full.aborted, undefined);
    const shop = [...s.fw.products.values()];
    assert.equal(shop.filter((p) => p.sku.startsWith('SHOP-') && p.active).length, 30);
    assert.equal(shop.filter((p) => p.sku.startsWith('TG-') && p.active).length, 0);
  });
});
