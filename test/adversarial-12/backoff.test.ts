/**
 * Adversarial review of issue 12: writes back off honestly — not one products/save before a
 * Retry-After, across runs too (a run is only a trigger; the shop asked the connection to wait).
 */
import assert from 'node:assert/strict';
import { ProductSync } from '../../src/engine/product-sync';
import { ProductStore } from '../../src/store/product-store';
import { productSyncSandboxes, type ProductSyncSandboxes } from '../helpers/product-sync-sandboxes';
import { control } from '../helpers/sandboxes';

describe('regression (issue 12 review): Retry-After across runs', function () {
  this.timeout(60_000);
  let { fw, db, client, writer } = {} as ProductSyncSandboxes;
  const sync = () => new ProductSync(client, new ProductStore(db), writer, { pageSize: 100 });

  const sandboxes = productSyncSandboxes({ articles: 50 });
  beforeEach(() => ({ fw, db, client, writer } = sandboxes));

  const saves = () => fw.requests.filter((r) => r.path === '/m/api/products/save');

  it('B1: a Retry-After longer than writeMaxWaitMs ends the run into the retry set; the next run must still wait', async () => {
    // 150 s: beyond the default 120 s a product may wait within a run (a maintenance window, an hourly quota).
    await control(fw.url, '/_sandbox/faults', { status: 429, retryAfter: 150, count: 1, path: '/products/save' });
    const s1 = await sync().run();
    // One 429 and the rest of the run goes to the retry set (the pool takes the shop for down).
    assert.ok(s1.failed >= 40, JSON.stringify([s1.failed, s1.created, s1.stillFailed]));
    const refused = saves().find((r) => r.status === 429)!;
    const before = saves().length;
    // A queued trigger (the Coalescer starts it as soon as run 1 ends) or the next inject.
    const s2 = await sync().run();
    const early = saves()
      .slice(before)
      .filter((r) => r.at < refused.doneAt! + 150_000);
    assert.deepEqual(
      early.length,
      0,
      `${early.length} products/save sent ${early[0] ? early[0].at - refused.doneAt! : '?'} ms after a 429 with Retry-After: 150 (run 2 retried ${s2.retried})`,
    );
  });

  it('B2: a redeploy during a Retry-After pause: the resumed run must not write before the Retry-After', async () => {
    await control(fw.url, '/_sandbox/faults', { status: 429, retryAfter: 30, count: 1, path: '/products/save' });
    const abort = new AbortController();
    const running = sync().run({ signal: abort.signal });
    while (!fw.requests.some((r) => r.status === 429 && r.doneAt)) await new Promise((r) => setTimeout(r, 5));
    const refused = fw.requests.find((r) => r.status === 429)!;
    abort.abort();
    await running;
    const before = saves().length;
    await sync().run(); // the redeployed node's first run (new engine, same connection and database)
    const early = saves()
      .slice(before)
      .filter((r) => r.at < refused.doneAt! + 30_000);
    assert.equal(
      early.length,
      0,
      `${early.length} products/save sent ${early[0] ? early[0].at - refused.doneAt! : '?'} ms after a 429 with Retry-After: 30`,
    );
  });

  it('B3: a refused API key (200 {status:0, "Invalid API key"}) stops the writes instead of one refused request per product', async () => {
    await control(fw.url, '/_sandbox/config', { apiKey: 'rotated-key' });
    try {
      const before = saves().length;
      const s = await sync().run();
      const sent = saves().length - before;
      assert.ok(
        sent <= 8,
        `${sent} products/save sent with a key the shop refused (${s.failed} failed: ${s.failures[0]?.reason})`,
      );
    } finally {
      await control(fw.url, '/_sandbox/config', { apiKey: 'demo-key' });
    }
  });
});
