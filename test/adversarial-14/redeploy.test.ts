import assert from 'node:assert/strict';
import { helper, waitFor } from '../helpers/red';
import { control } from '../helpers/sandboxes';
import { exportHarness, TOKEN } from '../helpers/status-export';

describe('manual export regressions found by adversarial review: export during a redeploy', function () {
  this.timeout(60_000);
  const { env, start, order, exportIds, counts } = exportHarness('tg-adv14-rd-');

  it('an export waiting on a hung TotalGest when the flows are redeployed: answered, one document, order linked', async () => {
    const o = order('01');
    env.fw.placeOrder(o, false);
    await start({ status: { exportWait: '10' } });
    await control(env.tg.url, '/_sandbox/faults', { hang: true, path: '/orders', count: 1 });
    const pending = exportIds({ ids: [o.id] });
    await waitFor(
      () => env.tg.requests.some((r) => r.method === 'POST' && r.path.includes('/orders')),
      10_000,
      'the send to reach TotalGest',
    );
    const flows = (helper as any)._redNodes.getFlows().flows;
    const t0 = Date.now();
    await (helper as any).setFlows(flows, 'full', {
      c1: { username: 'demo', password: 'demo-password' },
      f1: { apiKey: 'demo-key', webhookSecret: 'whsec-x' },
      s1: { token: TOKEN },
    });
    console.log('      redeployed in', Date.now() - t0, 'ms');
    const r = await pending;
    console.log('      answer', r.status, JSON.stringify(r.body));
    env.tg.faults.reset();
    await waitFor(() => counts().done === 1, 30_000, 'the order linked after the redeploy');
    assert.equal(env.tg.orders.length, 1);
    assert.equal(r.status, 200);
  });
});
