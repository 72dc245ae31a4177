/**
 * An article made inactive in TotalGest whose record comes without a usable SKU (12f fix 6 marks the
 * products of an article served without a SKU as seen, by its id, so a full resync's sweep leaves
 * them alone). That is right for a live article with a broken SKU, but the mark is also given when
 * the record itself says the article is inactive (or deleted: the incremental feed's tombstone):
 * the incremental run cannot deactivate it (no SKU), and every full resync now marks it seen, so the
 * product stays active and on sale in the shop for good. The sweep must deactivate it (from the
 * copy it kept), as it does for an article TotalGest no longer serves.
 */
import assert from 'node:assert/strict';
import { ProductSync } from '../../src/engine/product-sync';
import { ProductStore } from '../../src/store/product-store';
import { productSyncSandboxes, type ProductSyncSandboxes } from '../helpers/product-sync-sandboxes';
import { control } from '../helpers/sandboxes';

describe('adversarial 12g: an inactive article served without a SKU', function () {
  this.timeout(60_000);
  let s: ProductSyncSandboxes;
  const sandboxes = productSyncSandboxes({ articles: 30 });
  beforeEach(() => (s = sandboxes));

  it('is deactivated by the next full resync', async () => {
    const sync = () => new ProductSync(s.client, new ProductStore(s.db), s.writer, { pageSize: 10 });
    await sync().run();
    await control(s.tg.url, '/_sandbox/articles/corrupt', {
      id: 'A-000007',
      set: { sku: '', active: false },
    });
    const incremental = await sync().run();
    assert.equal(incremental.failed, 1);
    const full = await sync().run({ full: true });
    const p = s.fw.products.get('SKU-000007')!;
    assert.deepEqual([p.active, p.stock, full.deactivated], [false, '0', 1]);
    // The live article with a broken SKU (12f) is still left alone.
    await control(s.tg.url, '/_sandbox/articles/corrupt', { id: 'A-000008', set: { sku: '' } });
    const again = await sync().run({ full: true });
    assert.deepEqual([s.fw.products.get('SKU-000008')!.active, again.deactivated], [true, 0]);
  });
});
