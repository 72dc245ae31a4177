/**
 * A full resync stopped (redeploy) and the next trigger an ordinary one (the 5-minute inject).
 * README: "a restart continues an interrupted run where it stopped"; a full resync "ends by
 * writing every product this connection wrote earlier and TotalGest no longer serves as
 * active: false" (the old SKU of a renamed article). The engine continued only a run "of the
 * same kind": the incremental trigger dropped the stored full run (its resume record and mark),
 * read only the changes since the cursor, moved the cursor and never swept — the requested full
 * resync is silently lost, and the renamed article's old SKU stays live in the shop for good.
 */
import assert from 'node:assert/strict';
import { ProductSync } from '../../src/engine/product-sync';
import { ProductStore } from '../../src/store/product-store';
import { productSyncSandboxes, type ProductSyncSandboxes } from '../helpers/product-sync-sandboxes';
import { control } from '../helpers/sandboxes';

describe('adversarial 12f: a stopped full resync, then an incremental trigger', function () {
  this.timeout(60_000);
  let s: ProductSyncSandboxes;
  const sandboxes = productSyncSandboxes({ articles: 300 });
  beforeEach(() => (s = sandboxes));

  it('the next run finishes the full resync (its sweep included) instead of dropping it', async () => {
    const sync = () => new ProductSync(s.client, new ProductStore(s.db), s.writer, { pageSize: 100 });
    await sync().run();
    await control(s.tg.url, '/_sandbox/articles/rename', { id: 'A-000040', sku: 'NEW-000040' });
    const abort = new AbortController();
    const stopped = await sync().run({
      full: true,
      signal: abort.signal,
      onProgress: () => new ProductStore(s.db).resume() && abort.abort(),
    });
    assert.equal(stopped.aborted, true);
    assert.equal(new ProductStore(s.db).resume()?.full, true, 'the stopped full run left its resume record');
    // The ordinary trigger after the redeploy.
    const next = await sync().run();
    assert.equal(next.aborted, undefined);
    const old = s.fw.products.get('SKU-000040')!;
    assert.deepEqual([old.active, old.stock], [false, '0'], 'the renamed article’s old SKU is swept');
    assert.equal(s.fw.products.get('NEW-000040')!.active, true);
    assert.equal(new ProductStore(s.db).resume(), undefined);
  });
});
