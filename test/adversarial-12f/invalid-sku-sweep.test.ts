/**
 * An article TotalGest serves with a broken SKU (empty). Standards: bad input gives a clear error
 * naming the field, "and nothing changes"; an incremental run does exactly that (failed, the shop
 * keeps the product). A full resync does not: the invalid item carries no usable SKU, so nothing
 * marks the product the article owns (its row names the article's id), and the sweep deactivates
 * it in the shop as if TotalGest had deleted the article.
 */
import assert from 'node:assert/strict';
import { ProductSync } from '../../src/engine/product-sync';
import { ProductStore } from '../../src/store/product-store';
import { productSyncSandboxes, type ProductSyncSandboxes } from '../helpers/product-sync-sandboxes';
import { control } from '../helpers/sandboxes';

describe('adversarial 12f: an article served with an unusable SKU during a full resync', function () {
  this.timeout(60_000);
  let s: ProductSyncSandboxes;
  const sandboxes = productSyncSandboxes({ articles: 30 });
  beforeEach(() => (s = sandboxes));

  it('fails it (field and reason) and leaves its product in the shop as it is', async () => {
    const sync = () => new ProductSync(s.client, new ProductStore(s.db), s.writer, { pageSize: 10 });
    await sync().run();
    await control(s.tg.url, '/_sandbox/articles/corrupt', { id: 'A-000007', set: { sku: '' } });
    const full = await sync().run({ full: true });
    assert.equal(full.failed, 1);
    assert.match(full.failures[0]!.reason, /sku/);
    const p = s.fw.products.get('SKU-000007')!;
    assert.deepEqual([p.active, full.deactivated], [true, 0]);
  });
});
