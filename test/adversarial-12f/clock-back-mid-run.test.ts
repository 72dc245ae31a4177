/**
 * TotalGest's clock steps back DURING a run. README: "When TotalGest's clock goes back, the cursor
 * follows it back, so changes stamped by the earlier clock are still fetched." The engine takes
 * the cursor from the serverTime of the run's first page only; when a later page of the same run
 * already answers with a clock 10 minutes earlier, the cursor is still set from the first page's
 * time. An article changed while the clock was back carries a stamp before that cursor: no later
 * incremental run fetches it, and the shop keeps the old price for good (until a full resync).
 * (D6 in test/adversarial-12 covers a step seen on the first page of a run, not on a later one.)
 */
import assert from 'node:assert/strict';
import { ProductSync } from '../../src/engine/product-sync';
import { ProductStore } from '../../src/store/product-store';
import { article, iso, productSyncSandboxes, type ProductSyncSandboxes } from '../helpers/product-sync-sandboxes';
import { control } from '../helpers/sandboxes';

describe('adversarial 12f: TotalGest clock steps back in the middle of a run', function () {
  this.timeout(60_000);
  let s: ProductSyncSandboxes;
  const sandboxes = productSyncSandboxes({ articles: 0 });
  beforeEach(() => (s = sandboxes));

  it('a change stamped by the earlier clock is still fetched by the next run', async () => {
    const t = Date.now() - 3_600_000;
    const x = article('A-X', 'X', '10.00', t);
    const y = article('A-Y', 'Y', '20.00', t + 1);
    await control(s.tg.url, '/_sandbox/articles', { items: [x, y] });
    const back = Date.now() - 10 * 60_000;
    // Page 1 is the sandbox's own (its clock now); page 2 answers after the step: 10 minutes earlier.
    await control(s.tg.url, '/_sandbox/faults', {
      status: 200,
      rawBody: JSON.stringify({ items: [y], next: null, serverTime: iso(back) }),
      count: 1,
      every: 2,
      path: '/articles',
    });
    const sync = () => new ProductSync(s.client, new ProductStore(s.db), s.writer, { pageSize: 1 });
    const first = await sync().run();
    assert.deepEqual([first.pages, first.created], [2, 2]);
    // While the clock is back, X changes: TotalGest stamps it with the earlier time.
    await control(s.tg.url, '/_sandbox/articles', { items: [article('A-X', 'X', '12.00', back + 30_000)] });
    const second = await sync().run();
    await sync().run();
    assert.equal(
      s.fw.products.get('X')!.price,
      '12.00',
      `cursor after the first run ${first.cursorAfter}, though its last page said ${iso(back)}; the next run fetched ${second.fetched}`,
    );
  });
});
