/**
 * The Node-RED host's clock steps back after a run in which a product failed (an NTP correction).
 * The retry set of a run takes the failed rows last touched before the run began (so that a run
 * does not retry what it failed itself); a failure recorded before the step carries a time LATER
 * than the next runs' start, so those runs skip it — the product waits (here an hour) instead of
 * being "retried by every later run until it is written". Only Date.now is faked; HTTP is real.
 */
import assert from 'node:assert/strict';
import { ProductSync } from '../../src/engine/product-sync';
import { ProductStore } from '../../src/store/product-store';
import { productSyncSandboxes, type ProductSyncSandboxes } from '../helpers/product-sync-sandboxes';
import { control } from '../helpers/sandboxes';

describe('adversarial 12f: the host clock steps back after a failed write', function () {
  this.timeout(60_000);
  let s: ProductSyncSandboxes;
  const sandboxes = productSyncSandboxes({ articles: 20 });
  beforeEach(() => (s = sandboxes));
  const realNow = Date.now;
  afterEach(() => (Date.now = realNow));

  it('the next run still retries the failed product', async () => {
    const sync = () => new ProductSync(s.client, new ProductStore(s.db), s.writer, { pageSize: 10 });
    await control(s.fw.url, '/_sandbox/faults', { status: 422, count: 1, path: '/products/save' });
    const first = await sync().run();
    assert.equal(first.failed, 1);
    const sku = first.failures[0]!.sku!;
    assert.equal(s.fw.products.has(sku), false);
    Date.now = () => realNow() - 3_600_000;
    const next = await sync().run();
    Date.now = realNow;
    assert.deepEqual([next.retried, next.stillFailed, s.fw.products.has(sku)], [1, 0, true]);
  });
});
