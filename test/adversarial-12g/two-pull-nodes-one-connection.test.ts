/**
 * Two tg-pull-products nodes on one TotalGest connection (one state file), each with its own
 * Framework360 shop: both engines share the connection's products table (hashes, links, marks, the
 * resume record and the retry set are per connection, not per shop), so the second shop's run found
 * every product "unchanged" — written by the first — and sent nothing: the second shop never got the
 * catalogue. Fixed by keeping the shop the state belongs to: a run for another shop starts from
 * nothing (and the node refuses a second pull node with another shop on one connection while the
 * first lives: test/nodes/pull-products-targets.test.ts).
 */
import assert from 'node:assert/strict';
import { ProductSync } from '../../src/engine/product-sync';
import { ProductStore } from '../../src/store/product-store';
import { productSyncSandboxes, type ProductSyncSandboxes, secondShop } from '../helpers/product-sync-sandboxes';

describe('adversarial 12g: two pull nodes, two shops, one TotalGest connection', function () {
  this.timeout(60_000);
  let s: ProductSyncSandboxes;
  const sandboxes = productSyncSandboxes({ articles: 20 });
  beforeEach(() => (s = sandboxes));
  const shop2 = secondShop();

  it('each shop receives the catalogue', async () => {
    const writer2 = shop2.writer;
    const store = new ProductStore(s.db);
    await new ProductSync(s.client, store, s.writer, { pageSize: 10 }).run();
    const second = await new ProductSync(s.client, store, writer2, { pageSize: 10 }).run();
    assert.deepEqual([s.fw.products.size, shop2.fw.products.size, second.created], [20, 20, 20]);
  });
});
