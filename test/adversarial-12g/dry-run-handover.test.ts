/**
 * A dry run says what a run would write. Since 12f, write mode lays the previous page's holders
 * over the next page's store lookup (a SKU handed to another article on page N protects it from
 * the old holder's tombstone on page N+1), and emit mode records each page before the next. A dry
 * run records nothing and keeps no holders, so across a page boundary it still reads the old
 * holder from the store: it reports a deactivation of the SKU the new holder took, which the real
 * run (asserted beside it) does not do.
 */
import assert from 'node:assert/strict';
import { ProductSync } from '../../src/engine/product-sync';
import { ProductStore } from '../../src/store/product-store';
import type { Article } from '../../src/totalgest/schemas';
import { productSyncSandboxes, type ProductSyncSandboxes } from '../helpers/product-sync-sandboxes';
import { control } from '../helpers/sandboxes';

describe('adversarial 12g: a dry run across a SKU handover', function () {
  this.timeout(60_000);
  let s: ProductSyncSandboxes;
  const sandboxes = productSyncSandboxes({ articles: 20 });
  beforeEach(() => (s = sandboxes));

  for (const pageSize of [100, 1]) {
    it(`reports what the real run does: no deactivation of the new holder (page size ${pageSize})`, async () => {
      const sync = () => new ProductSync(s.client, new ProductStore(s.db), s.writer, { pageSize });
      await sync().run();
      const a = s.tg.articles.get('A-000005')!;
      const t = Date.now() + 5_000;
      const b: Article = { ...a, id: 'B-000005', name: 'New holder', updatedAt: new Date(t).toISOString() };
      const gone: Article = { ...a, deleted: true, active: false, updatedAt: new Date(t + 1).toISOString() };
      await control(s.tg.url, '/_sandbox/articles', { items: [b] });
      await control(s.tg.url, '/_sandbox/articles', { items: [gone] });
      const dry = await sync().run({ dryRun: true });
      const real = await sync().run();
      assert.deepEqual([real.deactivated, s.fw.products.get(a.sku)!.active], [0, true]);
      assert.deepEqual(
        dry.wouldWrite!.deactivated.map((p) => p.sku),
        [],
      );
      assert.deepEqual([dry.deactivated, dry.updated], [real.deactivated, real.updated]);
    });
  }
});
