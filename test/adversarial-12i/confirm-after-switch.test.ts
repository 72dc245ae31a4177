/**
 * Emit mode hands batches to the flow, which writes them and confirms later (msg.topic "confirm").
 * If the connection's next run goes to a shop (write mode) before the flow's confirmations arrive,
 * the emitted rows are put aside under the flow ('' in products_kept) and the confirmations are
 * answered "not emitted": they are lost. Back in emit mode the rows come back still `emitted`, and an
 * incremental run does not emit them again (only a full resync does), so the status keeps saying
 * "emitted" for products the flow wrote and confirmed. Worse, a failure the flow reports for one of
 * its emitted products lands on the current shop's row of the same SKU: a product written and linked
 * in shop B turns `failed` with the flow's error and goes to B's retry set. A confirmation belongs to
 * the flow's emitted rows wherever they are kept, and never touches another shop's row.
 */
import assert from 'node:assert/strict';
import { ProductSync } from '../../src/engine/product-sync';
import type { Fw360Product } from '../../src/framework360/schemas';
import { ProductStore } from '../../src/store/product-store';
import { productSyncSandboxes, type ProductSyncSandboxes } from '../helpers/product-sync-sandboxes';

describe('adversarial 12i: confirmations of emitted products after a switch to a shop', function () {
  this.timeout(60_000);
  let s: ProductSyncSandboxes;
  const sandboxes = productSyncSandboxes({ articles: 20 });
  beforeEach(() => (s = sandboxes));

  /** An emit run (batches collected), then a run to shop B: the emitted rows are put aside. */
  async function emitThenShop(store: ProductStore): Promise<Record<string, string>> {
    const versions: Record<string, string> = {};
    await new ProductSync(s.client, store, undefined, { pageSize: 10 }).run({
      onBatch: (_p: Fw360Product[], part) => Object.assign(versions, part.versions),
    });
    assert.equal(Object.keys(versions).length, 20);
    assert.equal(store.get('SKU-000003')?.state, 'emitted');
    await new ProductSync(s.client, store, s.writer, { pageSize: 10 }).run();
    assert.equal(store.get('SKU-000003')?.state, 'linked');
    return versions;
  }

  it('takes a late confirmation for the flow, and the products are linked back in emit mode', async () => {
    const store = new ProductStore(s.db);
    const versions = await emitThenShop(store);
    const skus = Object.keys(versions);
    const late = new ProductSync(s.client, store, undefined).confirm(
      skus.map((sku) => ({ sku, fw360Id: null, error: null, version: versions[sku] })),
    );
    await new ProductSync(s.client, store, undefined, { pageSize: 10 }).run();
    const states = skus.map((sku) => store.get(sku)?.state);
    assert.deepEqual(
      { confirmed: late.confirmed, stillEmitted: states.filter((st) => st === 'emitted').length },
      { confirmed: 20, stillEmitted: 0 },
      'the flow confirmed every product, yet they stay "emitted"',
    );
  });

  it("never turns shop B's linked product failed with the flow's error", async () => {
    const store = new ProductStore(s.db);
    const versions = await emitThenShop(store);
    new ProductSync(s.client, store, undefined).confirm([
      { sku: 'SKU-000003', fw360Id: null, error: 'flow could not write', version: versions['SKU-000003'] },
    ]);
    const row = store.get('SKU-000003')!;
    assert.deepEqual([row.state, row.error], ['linked', null], "the flow's failure landed on shop B's product");
  });
});
