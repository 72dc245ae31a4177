/**
 * A pull node is pointed at another shop for a while (a staging shop, or by mistake) and then back.
 * Each switch dropped the kept state (links, hashes, marks), so when it came back to shop A the
 * connection no longer knew what it wrote there: an article deleted in TotalGest in between stayed
 * an active product in shop A for good ("every product this connection has written that TotalGest
 * no longer serves becomes inactive", issue 12, no longer held for A). Fixed: a switch puts the old
 * shop's state aside (rows and cursor, table products_kept) and brings the new shop's back, so the
 * run back to A is an incremental one from A's own cursor and meets the deletion.
 */
import assert from 'node:assert/strict';
import { Framework360Client } from '../../src/framework360/client';
import { ProductSync } from '../../src/engine/product-sync';
import { ProductStore } from '../../src/store/product-store';
import { productSyncSandboxes, type ProductSyncSandboxes, secondShop } from '../helpers/product-sync-sandboxes';
import { control } from '../helpers/sandboxes';

describe('adversarial 12h: shop A, then shop B, then shop A again', function () {
  this.timeout(60_000);
  let s: ProductSyncSandboxes;
  const sandboxes = productSyncSandboxes({ articles: 20 });
  beforeEach(() => (s = sandboxes));
  const shop2 = secondShop();

  it('deactivates in shop A an article deleted while on shop B (its tombstone still served)', async () => {
    const writer2 = shop2.writer;
    const store = new ProductStore(s.db);
    const to = (w: Framework360Client) => new ProductSync(s.client, store, w, { pageSize: 10 });
    await to(s.writer).run();
    await to(writer2).run();
    await control(s.tg.url, '/_sandbox/articles/delete', { ids: ['A-000012'] });
    await to(writer2).run();
    assert.equal(shop2.fw.products.get('SKU-000012')?.active, false);
    const back = await to(s.writer).run();
    // A's own state is back: an incremental run from A's cursor, not a full one from nothing.
    assert.equal(back.full, false);
    const p = s.fw.products.get('SKU-000012')!;
    assert.deepEqual([p.active, p.stock], [false, '0'], 'shop A still sells the deleted article');
  });
});
