/**
 * Adversarial reproductions for issue 11 through a real Node-RED (review R-11). Each test
 * asserts what the promise requires; a failing test is a proven defect.
 */
import assert from 'node:assert/strict';
import { helper, nodeRedWithSandboxes, waitFor } from '../helpers/red';
import { loadPushOrderFlow } from '../helpers/push-order-flow';

describe('tg-push-order regressions found by adversarial review (each once a failing reproduction)', function () {
  this.timeout(60_000);
  const env = nodeRedWithSandboxes('tg-adv-node-');

  const load = () => loadPushOrderFlow(env, 'sek', { push: { reconcileStatuses: '3', reconcileDays: 7 } });
  const row = (id: string) => helper.getNode('c1').connection().orders.get(id);

  it('N1: a real `reconcile` that arrives during a dry-run sweep gets the dry run: nothing is stored or exported', async () => {
    await load();
    // A paid order whose webhook was lost.
    const { order } = env.fw.placeOrder({}, false);
    env.fw.faults.configure({ latencyMs: 400 }); // a slow listing keeps the first sweep running
    const answers: any[] = [];
    helper.getNode('out').on('input', (m: any) => answers.push(m));
    // An operator previews (dry run) while the scheduled, real reconcile fires.
    helper.getNode('p1').receive({ topic: 'reconcile', payload: {}, dryRun: true, _msgid: 'preview' });
    helper.getNode('p1').receive({ topic: 'reconcile', payload: {}, _msgid: 'scheduled' });
    await waitFor(() => answers.length === 2, 20_000, 'both answers');
    const scheduled = answers.find((m) => m._msgid === 'scheduled')!;
    env.fw.faults.reset();
    assert.equal(
      scheduled.payload.dryRun,
      false,
      `the real reconcile answered a dry run (enqueued ${scheduled.payload.enqueued}); order ${order.id} is ${row(String(order.id))?.state ?? 'not stored'}`,
    );
  });
  it('N2: `retry` ignores dry run: a msg with dryRun: true sends a failed order to TotalGest for real', async () => {
    await load();
    env.tg.faults.configure({ status: 422, code: 'validation_failed', count: 1, path: '/orders' });
    const { order } = env.fw.placeOrder({}, false);
    const id = String(order.id);
    const answers: any[] = [];
    helper.getNode('out').on('input', (m: any) => answers.push(m));
    helper.getNode('p1').receive({ payload: order });
    await waitFor(() => row(id)?.state === 'failed', 10_000, 'the 422');
    // An operator previews what `retry` would do.
    helper.getNode('p1').receive({ topic: 'retry', payload: { orderIds: [id] }, dryRun: true });
    await waitFor(() => answers.length === 2, 10_000, 'the retry answer');
    await waitFor(() => row(id)!.state !== 'pending' && row(id)!.state !== 'sending', 10_000, 'the queue to drain');
    assert.deepEqual(
      env.tg.orders.map((o) => o.externalRef),
      [],
      `a dry-run retry exported the order (answer ${JSON.stringify(answers[1].payload)}, state ${row(id)!.state})`,
    );
  });
  it('N3: a failed order disappears from the node status as soon as another order is exported', async () => {
    await load();
    const statuses: any[] = [];
    helper.getNode('p1').on('call:status', (c: { args: any[] }) => statuses.push(c.args[0]));
    env.tg.faults.configure({ status: 422, code: 'validation_failed', count: 1, path: '/orders' });
    const { order: a } = env.fw.placeOrder({}, false);
    const { order: b } = env.fw.placeOrder({}, false);
    helper.getNode('p1').receive({ payload: a });
    await waitFor(() => row(String(a.id))?.state === 'failed', 10_000, 'A failed');
    helper.getNode('p1').receive({ payload: b });
    await waitFor(() => row(String(b.id))?.state === 'done', 10_000, 'B exported');
    await waitFor(() => statuses.length > 0 && /✓/.test(statuses.at(-1).text), 5_000, 'the status after B');
    const last = statuses.at(-1);
    assert.equal(last.fill, 'red', `order ${a.id} is failed, the node shows ${JSON.stringify(last)}`);
  });
});
