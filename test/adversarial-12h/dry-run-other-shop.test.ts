/**
 * A dry run says what a run would write, and never resets the kept state. After the shop changed
 * (one pull node now pointing at shop B, or msg.dryRun on a second node that the connection refuses
 * because it sends to B), the dry run compares against the state kept for shop A: it reports every
 * product "unchanged" and would write nothing, while the real run (asserted beside it) drops A's
 * state and creates the whole catalogue in B. The preview must be taken against what B's run sees:
 * nothing kept (a full run, every product created).
 */
import assert from 'node:assert/strict';
import { ProductSync } from '../../src/engine/product-sync';
import { ProductStore } from '../../src/store/product-store';
import { productSyncSandboxes, type ProductSyncSandboxes, secondShop } from '../helpers/product-sync-sandboxes';

describe('adversarial 12h: a dry run for another shop than the kept state', function () {
  this.timeout(60_000);
  let s: ProductSyncSandboxes;
  const sandboxes = productSyncSandboxes({ articles: 20 });
  beforeEach(() => (s = sandboxes));
  const shop2 = secondShop();

  for (const to of ['another shop', 'the flow (emit mode)'])
    it(`previews what the real run to ${to} does`, async () => {
      const writer2 = shop2.writer;
      const store = new ProductStore(s.db);
      await new ProductSync(s.client, store, s.writer, { pageSize: 10 }).run();
      const next = () =>
        new ProductSync(s.client, store, to === 'another shop' ? writer2 : undefined, { pageSize: 10 });
      const dry = await next().run({ dryRun: true });
      assert.equal(store.target(), s.writer.baseUrl, 'a dry run must not reset');
      const real = await next().run();
      assert.equal(real.full, true);
      assert.deepEqual(
        [dry.full, dry.created, dry.unchanged, dry.wouldWrite!.created.length],
        [real.full, real.created, real.unchanged, real.created],
      );
    });
});
