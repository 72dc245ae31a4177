import assert from 'node:assert/strict';
import { getJson, poll, startDemo, type Demo } from '../helpers/demo';

/**
 * `npm start` as a user runs it (on other ports): the sandboxes and a real Node-RED with the
 * example flows. A webhook order reaches TotalGest once; the product sync fills the shop.
 * Waits are bounded generously (10× a loaded run) only so a hang fails; how fast it goes is
 * measured by `npm run bench -- orders`, not asserted here.
 */
describe('the demo (npm start) end to end', function () {
  this.timeout(180_000);
  let demo: Demo;

  before(async () => {
    demo = await startDemo(18900, 'e2e');
  });
  after(() => demo.stop());

  it('syncs every TotalGest article into the Framework360 shop within one run', async () => {
    const login = await getJson(`${demo.url.tg}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'demo', password: 'demo-password', shopId: 'demo-shop', ownerId: 'demo-owner' }),
    });
    let expected = 0;
    let after: string | null = null;
    do {
      const page: any = await getJson(
        `${demo.url.tg}/api/v1/shops/demo-shop/articles?limit=500${after ? `&after=${after}` : ''}`,
        {
          headers: { Authorization: `Bearer ${login.token}` },
        },
      );
      expected += page.items.length;
      after = page.next;
    } while (after);
    await poll(
      () => getJson(`${demo.url.fw}/_sandbox/products`),
      (r) => r.items.length === expected,
      60_000,
      'every article in the shop',
    );
  });

  it('exports an order placed in the shop to TotalGest once, by signed webhook', async () => {
    const placed = await getJson(`${demo.url.fw}/_sandbox/orders`, { method: 'POST', body: '{}' });
    const ref = `FW360-${placed.id}`;
    // The shop's own record: the webhook was acknowledged (2xx), so it will not be sent again.
    const deliveries = await poll(
      () => getJson(`${demo.url.fw}/_sandbox/deliveries`),
      (r) => r.items.some((d: any) => d.orderId === placed.id && d.delivered),
      20_000,
      'the webhook acknowledged',
    );
    const statuses = (deliveries.items as Array<{ orderId: number; statuses: number[] }>).find(
      (d) => d.orderId === placed.id,
    )!.statuses;
    // Only the last attempt may be an answer: any earlier one went unanswered (0), none was refused.
    assert.equal(statuses.at(-1), 202, JSON.stringify(statuses));
    assert.deepEqual(
      statuses.slice(0, -1).filter((s) => s !== 0),
      [],
    );
    await poll(
      () => getJson(`${demo.url.tg}/_sandbox/orders`),
      (r) => r.items.some((o: any) => o.externalRef === ref),
      20_000,
      'the order in TotalGest',
    );
    // Nothing left in the outbox that could still send it again, then count.
    await poll(
      () =>
        getJson(`${demo.url.red}/totalgest/status/summary`, { headers: { Authorization: 'Bearer demo-status-token' } }),
      (r) => r.queueDepth === 0,
      20_000,
      'an empty export queue',
    );
    const docs = (await getJson(`${demo.url.tg}/_sandbox/orders`)).items.filter((o: any) => o.externalRef === ref);
    assert.equal(docs.length, 1);
  });

  it('runs the manual export inject and exports the fixture orders', async () => {
    const res = await fetch(`${demo.url.red}/inject/mx-inject-export`, { method: 'POST' });
    assert.equal(res.status, 200);
    await poll(
      () => getJson(`${demo.url.tg}/_sandbox/orders`),
      (r) => ['FW360-10452', 'FW360-10453'].every((ref) => r.items.some((o: any) => o.externalRef === ref)),
      30_000,
      'the fixture orders in TotalGest',
    );
  });
});
