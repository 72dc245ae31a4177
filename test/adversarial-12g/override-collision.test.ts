/**
 * An override that gives two articles one shop SKU (a mapping mistake, e.g. a lookup table with a
 * duplicate). The engine neither refuses it nor settles: each run compares one article with the
 * copy the other wrote, so on an unchanged catalogue every run writes the product again, the shop
 * flipping between the two articles for good (and `unchanged` is never the whole catalogue).
 * Standards: bad input gives a clear error naming the field and reason.
 */
import assert from 'node:assert/strict';
import { ProductSync } from '../../src/engine/product-sync';
import type { Fw360Product } from '../../src/framework360/schemas';
import { ProductStore } from '../../src/store/product-store';
import { productSyncSandboxes, type ProductSyncSandboxes } from '../helpers/product-sync-sandboxes';

describe('adversarial 12g: an override that maps two articles to one shop SKU', function () {
  this.timeout(60_000);
  let s: ProductSyncSandboxes;
  const sandboxes = productSyncSandboxes({ articles: 10 });
  beforeEach(() => (s = sandboxes));

  it('settles: a run on an unchanged catalogue writes nothing, and the clash is reported', async () => {
    const sync = () =>
      new ProductSync(s.client, new ProductStore(s.db), s.writer, {
        pageSize: 100,
        override: async (p: Fw360Product) => ({ ...p, sku: p.sku === 'SKU-000002' ? 'SKU-000001' : p.sku }),
        overrideText: 'clash',
      });
    await sync().run();
    const seen: string[] = [];
    const writes: number[] = [];
    for (let i = 0; i < 3; i++) {
      const run = await sync().run({ full: true });
      writes.push(run.created + run.updated + run.deactivated);
      seen.push(s.fw.products.get('SKU-000001')!.totalgestId);
    }
    assert.deepEqual(writes, [0, 0, 0], `shop's SKU-000001 came from ${seen.join(', ')}`);
    const last = await sync().run({ full: true });
    assert.deepEqual(
      last.failures.map((f) => [f.id, /sku/.test(f.reason)]),
      [['A-000002', true]],
    );
  });
});
