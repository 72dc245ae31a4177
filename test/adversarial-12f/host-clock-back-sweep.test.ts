/**
 * The Node-RED host's clock steps back between two full resyncs (an NTP correction, a VM restored
 * from a snapshot). A full run's mark is its start time and marks only grow, so a product that
 * the earlier full run saw carries a mark LATER than the new run's mark: the new run counts it as
 * seen although TotalGest no longer serves it, and the deleted article's product is never swept
 * (until a full run starts later than the earlier one did). Only the clock is faked (Date.now,
 * shifted one hour back for the second run); HTTP is real.
 */
import assert from 'node:assert/strict';
import { ProductSync } from '../../src/engine/product-sync';
import { ProductStore } from '../../src/store/product-store';
import { productSyncSandboxes, type ProductSyncSandboxes } from '../helpers/product-sync-sandboxes';
import { control } from '../helpers/sandboxes';

describe('adversarial 12f: the host clock steps back between two full resyncs', function () {
  this.timeout(60_000);
  let s: ProductSyncSandboxes;
  const sandboxes = productSyncSandboxes({ articles: 30 });
  beforeEach(() => (s = sandboxes));
  const realNow = Date.now;
  afterEach(() => (Date.now = realNow));

  it('the second full resync still deactivates an article deleted in between', async () => {
    const sync = () => new ProductSync(s.client, new ProductStore(s.db), s.writer, { pageSize: 10 });
    await sync().run({ full: true });
    await control(s.tg.url, '/_sandbox/articles/delete', { ids: ['A-000012'] });
    Date.now = () => realNow() - 3_600_000;
    const second = await sync().run({ full: true });
    Date.now = realNow;
    assert.equal(second.aborted, undefined);
    const p = s.fw.products.get('SKU-000012')!;
    assert.deepEqual([p.active, p.stock, second.deactivated], [false, '0', 1]);
  });
});
