import assert from 'node:assert/strict';
import { signBody } from '../../src/framework360/signature';
import { fixtures } from '../helpers/fixtures';
import { helper, nodeRedWithSandboxes, waitFor } from '../helpers/red';
import { loadPushOrderFlow } from '../helpers/push-order-flow';

const SECRET = 'whsec-lifecycle';

interface Out {
  payload: any;
  statusCode?: number;
}

/** The order lifecycle through a real Node-RED: events out of order, changes after export, failures to Catch. */
describe('tg-push-order: order lifecycle in Node-RED', function () {
  this.timeout(30_000);
  const env = nodeRedWithSandboxes('tg-life-');

  const load = (push: Record<string, unknown> = {}) => loadPushOrderFlow(env, SECRET, { push });

  /** Every error the node raised (to Catch nodes), with the message it raised it with. */
  let raised: Array<{ text: string; msg: any }> = [];
  beforeEach(() => {
    raised = [];
  });
  const watch = () =>
    helper
      .getNode('p1')
      .on('call:error', (call: { args: unknown[] }) => raised.push({ text: String(call.args[0]), msg: call.args[1] }));

  function send(msg: Record<string, unknown>): Promise<Out> {
    const answer = new Promise<Out>((resolve) => helper.getNode('out').once('input', (m: Out) => resolve(m)));
    helper.getNode('p1').receive(msg);
    return answer;
  }
  const base = () => structuredClone(fixtures.find(([f]) => f.startsWith('01'))![1].order);
  const webhook = (order: unknown, at: number, delivery = `d-${at}-${Math.random()}`) => {
    const body = Buffer.from(
      JSON.stringify({ event: 'order.updated', site: 'demo', sentAt: new Date(at).toISOString(), data: order }),
    );
    return send({
      payload: body,
      req: { headers: { 'x-fw360-delivery': delivery, 'x-fw360-signature': signBody(SECRET, body) } },
    });
  };
  const row = (id: string) => helper.getNode('c1').connection().orders.get(id);
  const posts = () => env.tg.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/orders'));
  const t0 = Date.parse('2026-11-28T09:00:00Z');

  it('cancel while queued during an outage: withdrawn, never exported', async () => {
    env.tg.faults.configure({ status: 503, retryAfter: 1, count: 1_000, path: '/orders' });
    await load();
    const order = base();
    assert.equal((await webhook(order, t0)).statusCode, 202);
    await waitFor(() => posts().length >= 1, 5_000, 'a first attempt');
    const cancel = await webhook({ ...order, stato: { id: 5, nome: 'Annullato' } }, t0 + 60_000);
    assert.equal(cancel.statusCode, cancel.payload.outcome === 'deferred' ? 202 : 200, JSON.stringify(cancel.payload));
    await waitFor(() => row('10452')?.state === 'skipped', 5_000, 'withdrawn');
    env.tg.faults.reset();
    assert.equal(row('10452')!.reason, 'cancelled');
    // A late redelivery of the paid event is older than the cancellation: ignored.
    const late = await webhook(order, t0);
    assert.deepEqual([late.statusCode, late.payload.outcome, late.payload.reason], [200, 'stale', 'stale_event']);
    assert.equal(row('10452')!.state, 'skipped');
    assert.equal(env.tg.orders.length, 0);
  });

  it('422 → cancel → stale paid redelivery: the cancelled order is never exported, and Catch hears of the failure once', async () => {
    await load();
    watch();
    const order = { ...base(), carrello: [{ ...base().carrello[0], sku: 'GHOST-1' }] };
    await webhook(order, t0, 'paid-delivery');
    await waitFor(() => row('10452')?.state === 'failed', 5_000, 'failed');
    await waitFor(() => raised.length === 1, 2_000, 'the Catch error');
    assert.deepEqual(raised[0]!.msg.payload.state, 'failed');
    assert.deepEqual([raised[0]!.msg.orderId, raised[0]!.msg.reason], ['10452', 'validation_failed']);
    assert.match(raised[0]!.text, /order 10452 failed: lines\[0\]\.sku: unknown article/);
    const cancel = await webhook({ ...order, stato: { id: 5, nome: 'Annullato' } }, t0 + 1_000);
    assert.deepEqual([cancel.statusCode, cancel.payload.outcome], [200, 'withdrawn']);
    // The shop fixes the article, then the old paid event is redelivered.
    const redelivered = await webhook(base(), t0, 'paid-delivery');
    assert.deepEqual([redelivered.statusCode, redelivered.payload.reason], [200, 'stale_event']);
    const retried = await send({ topic: 'retry', payload: {} });
    assert.deepEqual(retried.payload.retried, []);
    assert.equal(row('10452')!.state, 'skipped');
    assert.equal(posts().length, 1);
    assert.equal(raised.length, 1);
  });

  it('an edit after export goes to needs_review naming the change; Catch hears it once; acknowledge ends it', async () => {
    await load();
    watch();
    const order = base();
    await webhook(order, t0);
    await waitFor(() => row('10452')?.state === 'done', 5_000, 'linked');
    const edited = { ...order, carrello: [{ ...order.carrello[0], quantita: 3 }], totale: '45.70' };
    const first = await webhook(edited, t0 + 1_000);
    assert.deepEqual([first.statusCode, first.payload.outcome], [202, 'needs_review']);
    const again = await webhook(edited, t0 + 1_000);
    assert.equal(again.payload.outcome, 'needs_review');
    await waitFor(() => raised.length >= 1, 2_000, 'the Catch error');
    assert.equal(raised.length, 1);
    assert.deepEqual([raised[0]!.msg.payload.state, raised[0]!.msg.payload.reason], ['needs_review', 'edited']);
    assert.match(
      row('10452')!.error!,
      /^edited after it reached TotalGest document \d{4}-\d{6}: total 32\.80 → 45\.70$/,
    );
    assert.equal(env.tg.orders.length, 1);
    const ack = await send({ topic: 'acknowledge', payload: { orderIds: ['10452'] } });
    assert.deepEqual(ack.payload.acknowledged, ['10452']);
    assert.equal(row('10452')!.state, 'done');
  });

  it('an edit while queued sends the new document only', async () => {
    env.tg.faults.configure({ status: 503, retryAfter: 1, count: 1_000, path: '/orders' });
    await load();
    const order = base();
    await webhook(order, t0);
    // Back in the queue after a failed attempt (an edit during the send itself waits for its end: tested elsewhere).
    await waitFor(
      () => row('10452')?.state === 'pending' && row('10452')!.attempts >= 1,
      10_000,
      'a failed first attempt',
    );
    const edited = { ...order, carrello: [{ ...order.carrello[0], quantita: 3 }], totale: '45.70' };
    assert.equal((await webhook(edited, t0 + 1_000)).payload.outcome, 'queued');
    env.tg.faults.reset();
    await waitFor(() => row('10452')?.state === 'done', 10_000, 'linked').catch((e) => {
      throw new Error(`${e.message}: ${JSON.stringify(row('10452'))} ${JSON.stringify(posts())}`);
    });
    assert.equal(env.tg.orders.length, 1);
    assert.equal(env.tg.orders[0]!.body.total, '45.70');
    assert.equal(env.tg.orders[0]!.body.lines[0]!.quantity, '3');
  });

  it('409 duplicate_external_ref with another total fails with both totals and links nothing', async () => {
    await load({ mode: 'wait' });
    watch();
    // A different document with this order's externalRef already exists in TotalGest (entered by hand, another tool).
    const doc = fixtures.find(([f]) => f.startsWith('01'))![1].expected.document as never;
    env.tg.orders.push({
      id: 'D-900900',
      number: '2026-900900',
      externalRef: 'FW360-10452',
      idempotencyKey: 'elsewhere',
      receivedAt: '',
      body: { ...(doc as object), total: '45.70' } as never,
    });
    const r = await send({ payload: [base()] });
    assert.equal(r.payload.failed, 1, JSON.stringify(r.payload));
    assert.match(
      r.payload.items[0].reason,
      /already holds \d{4}-\d{6} for this order with total 45\.70; this order's total is 32\.80/,
    );
    assert.equal(row('10452')!.totalgest_id, null);
    assert.equal(row('10452')!.reason, 'duplicate_total_mismatch');
  });

  it('reconcile applies the node’s dry run and its input override, as a webhook would', async () => {
    env.fw.placeOrder({ id: 61001 }, false);
    await load({ dryRun: true, override: '$merge([$, {"note": "via override"}])' });
    const dry = await send({ topic: 'reconcile', payload: {} });
    assert.deepEqual([dry.payload.dryRun, dry.payload.wouldExport, dry.payload.enqueued], [true, 1, 0]);
    assert.equal(row('61001'), undefined);
    assert.equal(posts().length, 0);
    await helper.unload();
    await load({ override: '$merge([$, {"note": "via override"}])' });
    const real = await send({ topic: 'reconcile', payload: {} });
    assert.equal(real.payload.enqueued, 1);
    await waitFor(() => env.tg.orders.length === 1, 5_000, 'exported');
    assert.equal(env.tg.orders[0]!.body.notes, 'via override');
  });

  it('finds a late-paid order two days old, also when its status left the listed ones', async () => {
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000).toISOString().replace('Z', '+00:00');
    const unpaid = { pagato: false, pagamento: { id: 1, nome: 'Carta', tipo: 'carta' }, data_ordine: twoDaysAgo };
    env.fw.placeOrder({ id: 62001, ...unpaid }, false);
    env.fw.placeOrder({ id: 62002, ...unpaid }, false);
    await load();
    const first = await send({ topic: 'reconcile', payload: {} });
    assert.deepEqual([first.payload.skipped, first.payload.enqueued], [2, 0]);
    assert.equal(row('62001')!.reason, 'not_paid');
    // Both paid without a webhook; 62002 has moved to a status the sweep does not list.
    env.fw.updateOrder(62001, { pagato: true }, false);
    env.fw.updateOrder(62002, { pagato: true, stato: { id: 4, nome: 'In lavorazione' } }, false);
    const second = await send({ topic: 'reconcile', payload: {} });
    assert.deepEqual([second.payload.enqueued, second.payload.rechecked], [2, 1]);
    await waitFor(() => env.tg.orders.length === 2, 5_000, 'both exported');
  });
});
