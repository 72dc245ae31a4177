import assert from 'node:assert/strict';
import { signBody } from '../../src/framework360/signature';
import { getMeta } from '../../src/store/state-db';
import { control } from '../helpers/sandboxes';
import { helper, nodeRedWithSandboxes, waitFor } from '../helpers/red';
import { loadPushOrderFlow, queueIdle } from '../helpers/push-order-flow';

describe('reconciliation: orders whose webhook never arrived', function () {
  this.timeout(60_000);
  const env = nodeRedWithSandboxes('tg-rec-');
  const load = () =>
    loadPushOrderFlow(env, 'sek', {
      connection: { concurrency: 8 },
      push: { reconcileStatuses: '3', reconcileDays: 7 },
    });
  const send = (msg: Record<string, unknown>) =>
    new Promise<{ payload: any; error?: string }>((resolve) => {
      const p1 = helper.getNode('p1');
      let error: string | undefined;
      const onErr = (c: { args: unknown[] }) => (error = String(c.args[0]));
      p1.on('call:error', onErr);
      helper.getNode('out').once('input', (m: any) =>
        setTimeout(() => {
          p1.removeListener('call:error', onErr);
          resolve({ payload: m.payload, error });
        }, 20),
      );
      p1.receive(msg);
    });
  const reconcile = (payload: unknown = {}) => send({ topic: 'reconcile', payload });
  const place = (order: Record<string, unknown> = {}) => env.fw.placeOrder(order, false).order;
  const exported = () => env.tg.orders.map((o) => o.externalRef);
  const db = () => helper.getNode('c1').connection().db;

  it('exports exactly once the orders placed while Node-RED was stopped, on the first sweep', async () => {
    const placed = [place(), place(), place()];
    await load();
    const r = await reconcile();
    assert.deepEqual([r.payload.checked, r.payload.enqueued, r.payload.alreadyLinked], [3, 3, 0]);
    await waitFor(() => exported().length === 3);
    const again = await reconcile();
    assert.deepEqual([again.payload.enqueued, again.payload.alreadyLinked], [0, 3]);
    await queueIdle();
    assert.deepEqual(exported().sort(), placed.map((o) => `FW360-${o.id}`).sort());
    const lookups = env.tg.requests.filter((q) => q.method === 'GET' && q.path.endsWith('/orders')).length;
    assert.equal(lookups, 0, 'already linked orders cost no TotalGest call');
    assert.deepEqual(JSON.parse(getMeta(db(), 'orders.lastReconciliation')!), again.payload);
  });

  it('exports once an order that arrives both by webhook and by sweep', async () => {
    const order = place();
    await load();
    const body = Buffer.from(JSON.stringify({ event: 'order.completed', data: order }));
    const hook = await send({
      payload: body,
      req: { headers: { 'x-fw360-signature': signBody('sek', body), 'x-fw360-delivery': 'd1' } },
    });
    assert.equal(hook.payload.outcome, 'queued');
    const r = await reconcile();
    assert.equal(r.payload.enqueued, 0);
    assert.equal(r.payload.alreadyLinked + r.payload.alreadyQueued, 1);
    await waitFor(() => exported().length === 1);
    await queueIdle();
    assert.deepEqual(exported(), [`FW360-${order.id}`]);
  });

  it('skips cancelled and unpaid orders as the webhook would, and fails a malformed one alone', async () => {
    place({ stato: { id: 3, nome: 'Completato' }, pagato: false });
    const bad = place({
      carrello: [{ sku: 'CAF-250', nome: 'x', quantita: -1, prezzo: '12.90', iva: '2.6', sconto: '0' }],
    });
    place();
    // A cancelled order has another status: not even listed with statuses[]=3.
    place({ stato: { id: 5, nome: 'Annullato' } });
    await load();
    const r = await reconcile();
    assert.deepEqual([r.payload.checked, r.payload.skipped, r.payload.failed, r.payload.enqueued], [3, 1, 1, 1]);
    assert.equal(r.payload.failures[0].orderId, String(bad.id));
    assert.match(r.payload.failures[0].reason, /carrello\[0\]\.quantita/);
    assert.match(r.error ?? '', /reconciliation: 1 failed/);
    const row = helper.getNode('c1').connection().orders.get(String(bad.id));
    assert.deepEqual([row.state, row.reason], ['invalid', 'invalid_order']);
  });

  it('reports a failed listing ({status:0} or 5xx) without recording a finished sweep; the next sweep covers the lookback again', async () => {
    place();
    await load();
    const first = await reconcile();
    const recorded = getMeta(db(), 'orders.lastReconciliation');
    assert.equal(JSON.parse(recorded!).finishedAt, first.payload.finishedAt);
    await control(env.fw.url, '/_sandbox/faults', {
      status: 200,
      rawBody: '{"status":0,"error":"Database temporarily unavailable"}',
      count: 1,
      path: '/orders/list',
    });
    const r0 = await reconcile();
    assert.match(r0.error ?? '', /Database temporarily unavailable/);
    await control(env.fw.url, '/_sandbox/faults', { status: 500, count: 20, path: '/orders/list' });
    const r5 = await reconcile();
    assert.match(r5.error ?? '', /HTTP 500/);
    assert.equal(getMeta(db(), 'orders.lastReconciliation'), recorded);
    env.fw.faults.reset();
    const next = await reconcile();
    const from = Date.parse(next.payload.window.from);
    const to = Date.parse(next.payload.window.to);
    assert.equal(to - from, 7 * 86_400_000, 'every sweep looks back the whole lookback window');
  });

  it('pages correctly through 5,000 orders', async () => {
    for (let i = 0; i < 5000; i++) place();
    await load();
    const r = await reconcile();
    assert.deepEqual([r.payload.checked, r.payload.enqueued, r.payload.pages], [5000, 5000, 50]);
    const c = helper.getNode('c1').connection().orders.counts();
    assert.equal(c.pending + c.sending + c.done, 5000);
  });

  it('answers a trigger that comes during a sweep with that sweep (single-flight, in the engine)', async () => {
    place();
    place();
    await load();
    const answers: any[] = [];
    helper.getNode('out').on('input', (m: any) => answers.push(m.payload));
    env.fw.faults.configure({ latencyMs: 2000 }); // the listing is slow: the sweep is surely still running
    const p1 = helper.getNode('p1');
    p1.receive({ topic: 'reconcile', payload: {} });
    const listing = () => env.fw.requests.filter((q) => q.path.endsWith('/orders/list'));
    await waitFor(() => listing().length === 1, 5000, 'the first sweep listing');
    assert.equal(listing()[0]!.doneAt, undefined, 'the listing is still running');
    p1.receive({ topic: 'reconcile', payload: {} });
    // A dry run is another kind of sweep: it runs on its own.
    p1.receive({ topic: 'reconcile', payload: {}, dryRun: true });
    await waitFor(() => answers.length === 3, 20_000, 'the three answers');
    const real = answers.filter((a) => !a.dryRun);
    assert.equal(real.length, 2);
    assert.equal(real[0].finishedAt, real[1].finishedAt, 'both triggers got the one sweep');
    assert.equal(real[0].enqueued, 2);
    assert.equal(listing().length, 2, 'one listing per kind of sweep');
    env.fw.faults.reset();
  });

  it('takes an explicit since for one sweep', async () => {
    await load();
    const r = await reconcile({ since: '2026-01-01T00:00:00Z' });
    assert.equal(r.payload.window.from, '2026-01-01T00:00:00Z');
    const bad = await reconcile({ since: 'last tuesday' });
    assert.match(bad.error ?? '', /since: "last tuesday" is not an ISO date/);
  });
});
