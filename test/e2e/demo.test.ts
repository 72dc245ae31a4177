import assert from 'node:assert/strict';
import { getJson, poll, startDemo, type Demo } from '../helpers/demo';

/**
 * `npm start` as a user runs it (on other ports): the sandboxes and a real Node-RED with the
 * example flows. A webhook order reaches TotalGest within 2 s; the product sync fills the shop.
 */
describe('the demo (npm start) end to end', function () {
  this.timeout(60_000);
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
      const page: any = await getJson(`${demo.url.tg}/api/v1/shops/demo-shop/articles?limit=500${after ? `&after=${after}` : ''}`, {
        headers: { Authorization: `Bearer ${login.token}` },
      });
      expected += page.items.length;
      after = page.next;
    } while (after);
    await poll(
      () => getJson(`${demo.url.fw}/_sandbox/products`),
      (r) => r.items.length === expected,
      20_000,
      'every article in the shop',
    );
  });

  it('exports an order placed in the shop to TotalGest within 2 s, by signed webhook', async () => {
    const placed = await getJson(`${demo.url.fw}/_sandbox/orders`, { method: 'POST', body: '{}' });
    await poll(
      () => getJson(`${demo.url.tg}/_sandbox/orders`),
      (r) => r.items.some((o: any) => o.externalRef === `FW360-${placed.id}`),
      2000,
      'the order in TotalGest within 2 s',
    );
    const deliveries = (await getJson(`${demo.url.fw}/_sandbox/deliveries`)).items as Array<{ orderId: number; statuses: number[] }>;
    assert.deepEqual(deliveries.find((d) => d.orderId === placed.id)!.statuses, [202]);
  });

  it('runs the manual export inject and exports the fixture orders', async () => {
    const res = await fetch(`${demo.url.red}/inject/mx-inject-export`, { method: 'POST' });
    assert.equal(res.status, 200);
    await poll(
      () => getJson(`${demo.url.tg}/_sandbox/orders`),
      (r) => ['FW360-10452', 'FW360-10453'].every((ref) => r.items.some((o: any) => o.externalRef === ref)),
      5000,
      'the fixture orders in TotalGest',
    );
  });
});
