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
import { Framework360Client } from '../../src/framework360/client';
import type { Framework360Sandbox } from '../../src/sandbox/framework360-sandbox';
import { ProductStore } from '../../src/store/product-store';
import { productSyncSandboxes, type ProductSyncSandboxes } from '../helpers/product-sync-sandboxes';
import { startFramework360 } from '../helpers/sandboxes';

describe('adversarial 12g: two pull nodes, two shops, one TotalGest connection', function () {
  this.timeout(60_000);
  let s: ProductSyncSandboxes;
  const sandboxes = productSyncSandboxes({ articles: 20 });
  beforeEach(() => (s = sandboxes));
  let fw2: Framework360Sandbox;
  before(async () => (fw2 = await startFramework360()));
  after(async () => fw2.stop());

  it('each shop receives the catalogue', async () => {
    const writer2 = new Framework360Client({ siteUrl: fw2.url, apiKey: 'demo-key' });
    try {
      const store = new ProductStore(s.db);
      await new ProductSync(s.client, store, s.writer, { pageSize: 10 }).run();
      const second = await new ProductSync(s.client, store, writer2, { pageSize: 10 }).run();
      assert.deepEqual([s.fw.products.size, fw2.products.size, second.created], [20, 20, 20]);
    } finally {
      writer2.close();
    }
  });
});
