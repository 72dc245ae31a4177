/**
 * A state database from before the shop was recorded (schema 4: rows, no `products.target`) is
 * claimed by whatever its first run after the upgrade sends to. Rows left `emitted` can only come
 * from emit mode (the flow), yet when that first run goes to a shop (the user added a Framework360
 * connection along with the upgrade) they are taken as that shop's: the run is an incremental one
 * from the flow's cursor, every product counts as unchanged, and the shop never gets the catalogue.
 * Emitted rows must be recognised as the flow's: put aside under '' and the shop served from nothing.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProductSync } from '../../src/engine/product-sync';
import { ProductStore } from '../../src/store/product-store';
import { openStateDatabase } from '../../src/store/state-db';
import { productSyncSandboxes, type ProductSyncSandboxes } from '../helpers/product-sync-sandboxes';

describe('adversarial 12i: an upgrade from schema 4 whose rows were emitted to the flow', function () {
  this.timeout(60_000);
  let s: ProductSyncSandboxes;
  const sandboxes = productSyncSandboxes({ articles: 20 });
  beforeEach(() => (s = sandboxes));
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'tg-12i-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the whole catalogue to the shop of the first run after the upgrade', async () => {
    const file = join(dir, 'state.db');
    let db = openStateDatabase(file);
    await new ProductSync(s.client, new ProductStore(db), undefined, { pageSize: 10 }).run();
    // Back to what schema 4 left: the rows and the cursor, no shop recorded, no products_kept.
    db.prepare("DELETE FROM meta WHERE key = 'products.target'").run();
    db.exec('DROP TABLE products_kept');
    db.pragma('user_version = 4');
    db.close();
    db = openStateDatabase(file);
    try {
      const store = new ProductStore(db);
      assert.equal(store.counts().emitted, 20);
      const first = await new ProductSync(s.client, store, s.writer, { pageSize: 10 }).run();
      assert.deepEqual(
        { created: first.created, inShop: s.fw.products.size },
        { created: 20, inShop: 20 },
        "the flow's emitted rows were taken as the shop's",
      );
    } finally {
      db.close();
    }
  });
});
