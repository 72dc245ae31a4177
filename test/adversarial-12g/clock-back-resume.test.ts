/**
 * A run stopped after a failed write (a redeploy) and resumed after the host's clock stepped back
 * (an NTP correction between the two). The resumed run tells its own failures (counted in the
 * resume record) from older ones by their time: at or after the run's start and not after now.
 * After the step back "now" is earlier than the failure, so the run's own failure is taken for an
 * older one: written now, it counts as `retried` and is never taken off the run's count — the
 * summary says 1 failed (and names the product) although every product was written.
 * Only Date.now is faked; HTTP is real.
 */
import assert from 'node:assert/strict';
import { ProductSync } from '../../src/engine/product-sync';
import { ProductStore } from '../../src/store/product-store';
import { productSyncSandboxes, type ProductSyncSandboxes } from '../helpers/product-sync-sandboxes';
import { control } from '../helpers/sandboxes';

describe('adversarial 12g: a stopped run resumed after the host clock stepped back', function () {
  this.timeout(60_000);
  let s: ProductSyncSandboxes;
  const sandboxes = productSyncSandboxes({ articles: 300 });
  beforeEach(() => (s = sandboxes));
  const realNow = Date.now;
  afterEach(() => (Date.now = realNow));

  it('counts its own failure once, and not once it is written', async () => {
    const sync = (opts = {}) => new ProductSync(s.client, new ProductStore(s.db), s.writer, { pageSize: 100, ...opts });
    await sync().run();
    await control(s.tg.url, '/_sandbox/articles/mutate', { count: 250 });
    await control(s.fw.url, '/_sandbox/faults', { status: 400, count: 1, path: '/products/save' });
    const abort = new AbortController();
    const s1 = await sync({ writeConcurrency: 1 }).run({
      signal: abort.signal,
      onProgress: () => new ProductStore(s.db).resume() && abort.abort(),
    });
    assert.deepEqual([s1.aborted, s1.failed], [true, 1]);
    Date.now = () => realNow() - 3_600_000;
    const s2 = await sync().run();
    Date.now = realNow;
    assert.equal(s2.aborted, undefined);
    assert.equal(new ProductStore(s.db).counts().failed, 0);
    assert.deepEqual([s2.failed, s2.failures], [0, []]);
  });
});
