import assert from 'node:assert/strict';
import { control } from '../helpers/sandboxes';
import { exportHarness } from '../helpers/status-export';

describe('manual export regressions found by adversarial review: the export wait bound and a slow or hanging Framework360', function () {
  this.timeout(120_000);
  const { env, start, order, exportIds } = exportHarness('tg-adv14-wb-');

  it('orders/get hanging: the answer still comes within the 0.3 s export wait', async () => {
    const o = order('01');
    env.fw.placeOrder(o, false);
    await start({ status: { exportWait: '0.3' } });
    await control(env.fw.url, '/_sandbox/faults', { hang: true, path: '/orders/get', forSeconds: 300 });
    const t0 = Date.now();
    const r = await exportIds({ ids: [o.id] });
    const took = Date.now() - t0;
    console.log('      took', took, 'ms:', JSON.stringify(r.body).slice(0, 300));
    const getCalls = env.fw.requests.filter((q: any) => String(q.path).includes('orders/get')).length;
    console.log('      orders/get requests:', getCalls);
    env.fw.faults.reset();
    // The Framework360 client gives up a hung request only after its 15 s timeout: an answer after that waited for it.
    assert.ok(took < 15_000, `answered after ${took} ms with a 0.3 s export wait`);
  });

  it('500 ids and a Framework360 that answers each orders/get in 40 ms: the answer within the 1 s wait', async () => {
    const ids = Array.from({ length: 500 }, (_, i) => 700_000 + i);
    await start({ status: { exportWait: '1' } });
    await control(env.fw.url, '/_sandbox/faults', { latencyMs: 40 });
    const t0 = Date.now();
    const r = await exportIds({ ids });
    const took = Date.now() - t0;
    const getCalls = env.fw.requests.filter((q: any) => String(q.path).includes('orders/get')).length;
    console.log('      took', took, 'ms, orders/get requests:', getCalls, 'total', r.body.total);
    env.fw.faults.reset();
    // 500 gets, at most 4 at a time (the client's limit), 40 ms each: at least 125 × 40 ms = 5 s before the last one answers.
    assert.ok(took < 5000, `answered after ${took} ms with a 1 s export wait`);
  });
});
