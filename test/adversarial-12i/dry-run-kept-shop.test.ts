/**
 * A dry run previews what the real run would write. Since a switch of shop keeps the old shop's state
 * aside (products_kept) and brings it back when the connection returns to it, the real run back to a
 * shop served before is an incremental one from that shop's own cursor that writes nothing new. The
 * dry run for that shop, taken while another shop is current, still previews from an empty throwaway
 * state: a full run that "would create" the whole catalogue, which the real run beside it then does
 * not do (A → B, dry run for A: 20 creations previewed, 0 made). The preview must start from the kept
 * state of the shop it is for (nothing kept: from nothing, as before).
 */
import assert from 'node:assert/strict';
import { Framework360Client } from '../../src/framework360/client';
import { ProductSync } from '../../src/engine/product-sync';
import { ProductStore } from '../../src/store/product-store';
import { productSyncSandboxes, type ProductSyncSandboxes, secondShop } from '../helpers/product-sync-sandboxes';
import { control } from '../helpers/sandboxes';

describe('adversarial 12i: a dry run for a shop whose state is kept aside', function () {
  this.timeout(60_000);
  let s: ProductSyncSandboxes;
  const sandboxes = productSyncSandboxes({ articles: 20 });
  beforeEach(() => (s = sandboxes));
  const shop2 = secondShop();

  it('previews the run back to shop A from the state kept for A', async () => {
    const writer2 = shop2.writer;
    const store = new ProductStore(s.db);
    const to = (w: Framework360Client) => new ProductSync(s.client, store, w, { pageSize: 10 });
    await to(s.writer).run();
    await to(writer2).run();
    // One change for A to pick up: the preview and the real run must both see exactly it.
    await control(s.tg.url, '/_sandbox/articles/delete', { ids: ['A-000012'] });
    const dry = await to(s.writer).run({ dryRun: true });
    assert.equal(store.target(), writer2.baseUrl, 'a dry run must not switch');
    const real = await to(s.writer).run();
    assert.equal(real.full, false, 'A comes back with its own cursor');
    assert.deepEqual([real.created, real.deactivated], [0, 1]);
    assert.deepEqual(
      [dry.full, dry.created, dry.deactivated, dry.wouldWrite!.created.length],
      [real.full, real.created, real.deactivated, real.created],
      'the dry run previewed another run than the one that followed',
    );
  });
});
