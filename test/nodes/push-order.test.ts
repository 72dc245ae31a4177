import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { signBody } from '../../src/framework360/signature';
import { TotalGestClient } from '../../src/totalgest/client';
import { openStateDatabase } from '../../src/store/state-db';
import { OrderStore } from '../../src/store/order-store';
import { control, demoCredentials } from '../helpers/sandboxes';
import { helper, nodeRedWithSandboxes, waitFor } from '../helpers/red';
import { assertNoOrderStored, loadPushOrderFlow, pushOrderNodes, queueIdle } from '../helpers/push-order-flow';
import { assertSameDocument, fixtures } from '../helpers/fixtures';

const SECRET = 'whsec-test-secret';

interface Out {
  payload: any;
  statusCode?: number;
}

describe('tg-push-order in Node-RED against the sandboxes', function () {
  this.timeout(30_000);
  const env = nodeRedWithSandboxes('tg-push-');
  const load = (push: Record<string, unknown> = {}) =>
    loadPushOrderFlow(env, SECRET, { push: { cancelledStatuses: '5,Annullato', cashOnDelivery: true, ...push } });

  /** Sends one message and collects the answer and any error reported to Catch nodes. */
  async function roundTrip(msg: Record<string, unknown>): Promise<{ out: Out; errors: string[] }> {
    const p1 = helper.getNode('p1');
    const out = helper.getNode('out');
    const errors: string[] = [];
    const onError = (call: { args: unknown[] }) => errors.push(String(call.args[0]));
    p1.on('call:error', onError);
    const answer = new Promise<Out>((resolve) => out.once('input', (m: Out) => resolve(m)));
    p1.receive(msg);
    const result = await answer;
    await new Promise((r) => setTimeout(r, 20));
    p1.removeListener('call:error', onError);
    return { out: result, errors };
  }

  const webhook = (order: unknown, opts: { delivery?: string; sign?: string | false } = {}) => {
    const body = Buffer.from(
      JSON.stringify({ event: 'order.completed', site: 'demo', sentAt: new Date().toISOString(), data: order }),
    );
    const headers: Record<string, string> = { 'x-fw360-delivery': opts.delivery ?? `d-${Math.random()}` };
    if (opts.sign !== false) headers['x-fw360-signature'] = opts.sign ?? signBody(SECRET, body);
    return { payload: body, req: { headers } };
  };
  const fixture = (name: string) => structuredClone(fixtures.find(([f]) => f.startsWith(name))![1]);
  const sent = () => env.tg.orders.map((o) => o.externalRef);

  it('exports every fixture as its exact document, skips and fails the others', async () => {
    await load();
    for (const [name, fx] of fixtures) {
      const { out, errors } = await roundTrip({ payload: fx.order });
      const outcome = fx.expected.outcome;
      if (outcome === 'exported')
        assert.deepEqual([out.statusCode, out.payload.outcome, errors], [202, 'queued', []], name);
      if (outcome === 'skipped')
        assert.deepEqual(
          [out.statusCode, out.payload.outcome, out.payload.reason, errors],
          [200, 'skipped', fx.expected.reason, []],
          name,
        );
      if (outcome === 'failed') {
        assert.equal(out.statusCode, 422, name);
        if (fx.expected.reason === 'currency_mismatch')
          assert.match(out.payload.message, /currency_mismatch: the order is in EUR, the TotalGest shop keeps CHF/);
        else {
          assert.match(out.payload.message, /carrello\[0\]\.quantita/);
          assert.match(out.payload.message, /carrello\[1\]\.sku/);
        }
        assert.equal(errors.length, 1, 'Catch nodes see the invalid order');
      }
    }
    const exported = fixtures.filter(([, fx]) => fx.expected.outcome === 'exported');
    await waitFor(() => env.tg.orders.length === exported.length, 5000, 'all exported');
    for (const [name, fx] of exported) {
      const got = env.tg.orders.find((o) => o.externalRef === fx.expected.document!.externalRef);
      assert.ok(got, name);
      assertSameDocument(got.body, fx.expected.document);
    }
  });

  it('checks the webhook signature: good → 202, bad or missing → 401 and nothing queued', async () => {
    await load();
    const order = fixture('01').order;
    const bad = await roundTrip(webhook(order, { sign: 'sha256=' + '0'.repeat(64) }));
    assert.deepEqual([bad.out.statusCode, bad.errors.length], [401, 1]);
    assert.match(bad.out.payload.error, /does not match/);
    const missing = await roundTrip(webhook(order, { sign: false }));
    assert.equal(missing.out.statusCode, 401);
    assert.match(missing.out.payload.error, /missing/);
    const garbage = await roundTrip({
      payload: Buffer.from('{"event":'),
      req: { headers: { 'x-fw360-signature': signBody(SECRET, '{"event":') } },
    });
    assert.equal(garbage.out.statusCode, 400);
    await queueIdle();
    assert.deepEqual(sent(), []);
    const good = await roundTrip(webhook(order));
    assert.equal(good.out.statusCode, 202);
    await waitFor(() => sent().length === 1);
  });

  it('treats redeliveries and repeated orders as no-ops', async () => {
    await load();
    const order = fixture('01').order;
    const first = await roundTrip(webhook(order, { delivery: 'same' }));
    const again = await roundTrip(webhook(order, { delivery: 'same' }));
    assert.equal(first.out.statusCode, 202);
    assert.equal(again.out.statusCode, 202);
    await waitFor(() => sent().length === 1);
    const repeated = await roundTrip(webhook(order, { delivery: 'other' }));
    assert.equal(repeated.out.payload.outcome, 'already_linked');
    assert.match(repeated.out.payload.number, /^\d{4}-\d{6}$/);
    await queueIdle();
    assert.equal(sent().length, 1);
  });

  it('links to the existing document on 409 duplicate_external_ref', async () => {
    const client = new TotalGestClient({ endpoint: env.tg.url, ...demoCredentials });
    const fx = fixture('01');
    const existing = await client.createOrder(fx.expected.document as any, 'created-elsewhere');
    client.close();
    await load({ mode: 'wait' });
    const { out } = await roundTrip({ payload: [fx.order] });
    assert.equal(out.payload.exported, 1);
    assert.deepEqual([out.payload.items[0].totalgestId, out.payload.items[0].number], [existing.id, existing.number]);
    assert.equal(env.tg.orders.length, 1);
  });

  it('records a 422 as failed with the details, and retries on demand', async () => {
    await load({ mode: 'wait' });
    const order = fixture('01').order;
    order.id = 777;
    order.carrello[0].sku = 'NOT-IN-TOTALGEST';
    const { out, errors } = await roundTrip({ payload: [order] });
    assert.equal(out.payload.failed, 1);
    assert.match(out.payload.items[0].reason, /lines\[0\]\.sku: unknown article/);
    assert.match(out.payload.summary, /777: .*unknown article/);
    assert.equal(errors.length, 1);
    const art = { ...env.tg.articles.findBySku('CAF-250')!, id: 'A-NEW', sku: 'NOT-IN-TOTALGEST' };
    await control(env.tg.url, '/_sandbox/articles', { items: [art] });
    const retried = await roundTrip({ topic: 'retry', payload: { orderIds: ['777'] } });
    assert.deepEqual(retried.out.payload.retried, ['777']);
    await waitFor(() => sent().includes('FW360-777'));
  });

  it('rides out 503s and exports once after recovery', async () => {
    await control(env.tg.url, '/_sandbox/faults', { status: 503, retryAfter: 0, count: 3, path: '/orders' });
    await load({ mode: 'wait' });
    const { out } = await roundTrip({ payload: [fixture('01').order] });
    assert.equal(out.payload.exported, 1, JSON.stringify(out.payload));
    assert.equal(env.tg.orders.length, 1);
    assert.equal(env.tg.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/orders')).length, 4);
  });

  it('re-sends once a job that a killed process left in sending', async () => {
    const file = path.join(env.userDir, 'totalgest', 'state-c1.sqlite');
    const db = openStateDatabase(file);
    const store = new OrderStore(db);
    const doc = fixture('01').expected.document!;
    const document = JSON.stringify(doc);
    const verdict = { kind: 'export' as const, document, docHash: 'h', total: doc.total };
    store.applyIntake(
      {
        orderId: '10452',
        externalRef: 'FW360-10452',
        idempotencyKey: 'k-10452',
        verdict,
        event: { at: Date.now(), fromShop: true },
      },
      Date.now(),
    );
    // Leased for an hour by a process on this host that no longer exists.
    assert.equal(store.claimDue(Date.now(), 10, 3_600_000, `${os.hostname()}|99999999|gone`, []).length, 1);
    db.close();
    await load();
    await waitFor(() => sent().length === 1, 5000, 'the leased job');
    await queueIdle();
    assert.deepEqual(sent(), ['FW360-10452']);
  });

  it('loses nothing and runs one worker across redeploys with jobs pending', async () => {
    await control(env.tg.url, '/_sandbox/faults', { latencyMs: 30 });
    await load();
    const base = fixture('01').order;
    for (let i = 0; i < 30; i++) await roundTrip({ payload: { ...base, id: 30_000 + i } });
    for (let r = 0; r < 3; r++) {
      await helper.unload();
      await load();
    }
    await waitFor(() => env.tg.orders.length === 30, 15_000, 'all 30 orders');
    await queueIdle();
    const refs = sent();
    assert.equal(new Set(refs).size, 30, 'no duplicates');
    assert.equal(refs.length, 30);
  });

  it('reports a mixed manual export, fetching ids from Framework360', async () => {
    for (const [, fx] of fixtures) env.fw.placeOrder(fx.order, false);
    await load({ mode: 'wait' });
    const ids = fixtures.map(([, fx]) => fx.order.id);
    const { out, errors } = await roundTrip({ payload: { orderIds: [...ids, 99999] } });
    const r = out.payload;
    assert.deepEqual([r.total, r.exported, r.skipped, r.failed, r.alreadyLinked], [11, 6, 2, 3, 0]);
    assert.match(r.summary, /^11 orders: 6 exported, 2 skipped, 3 failed — /);
    assert.ok(r.items.find((i: any) => i.orderId === '99999').reason.includes('orders/get'));
    assert.ok(r.items.filter((i: any) => i.outcome === 'exported').every((i: any) => /^\d{4}-\d{6}$/.test(i.number)));
    assert.equal(errors.length, 1);
    const again = await roundTrip({ payload: { orderIds: ids.slice(0, 2) } });
    assert.equal(again.out.payload.alreadyLinked, 2);
  });

  it('dry run (by message, by the node setting, by webhook) maps and reports the exact documents without storing or sending', async () => {
    const exportable = fixtures.filter(([, fx]) => fx.expected.outcome === 'exported');
    const checkNothingHappened = () => {
      assertNoOrderStored();
      assert.deepEqual(
        env.tg.requests.filter((r) => r.path.includes('/orders')),
        [],
      );
    };
    const checkDocuments = (documents: unknown[]) => {
      assert.equal(documents.length, exportable.length);
      exportable.forEach(([, fx], i) => assertSameDocument(documents[i], fx.expected.document));
    };
    await load({ mode: 'wait' });
    const byMessage = await roundTrip({ payload: fixtures.map(([, fx]) => fx.order), dryRun: true });
    checkDocuments(byMessage.out.payload.documents);
    assert.match(
      byMessage.out.payload.summary,
      new RegExp(`^${fixtures.length} orders: ${exportable.length} would be exported \\(dry run\\)`),
    );
    checkNothingHappened();
    await helper.unload();
    await load({ mode: 'wait', dryRun: true });
    const bySetting = await roundTrip({ payload: fixtures.map(([, fx]) => fx.order) });
    checkDocuments(bySetting.out.payload.documents);
    const byWebhook = await roundTrip(webhook(exportable[0]![1].order));
    assert.deepEqual([byWebhook.out.statusCode, byWebhook.out.payload.outcome], [200, 'dry_run']);
    assertSameDocument(byWebhook.out.payload.document, exportable[0]![1].expected.document);
    checkNothingHappened();
  });

  it('shows the queue and the last result in the status, and a config error in red', async () => {
    await load();
    const p1 = helper.getNode('p1');
    const statuses: string[] = [];
    p1.on('call:status', (call: { args: Array<{ text?: string }> }) => statuses.push(call.args[0]?.text ?? ''));
    await roundTrip({ payload: fixture('01').order });
    await waitFor(
      () => statuses.some((s) => /^0 queued · ✓ FW360-10452 → \d{4}-\d{6}$/.test(s)),
      3000,
      JSON.stringify(statuses),
    );
    await helper.unload();
    await helper.load(
      pushOrderNodes,
      [
        { id: 'c1', type: 'totalgest-config', endpoint: '', shopId: 'demo-shop', ownerId: 'demo-owner' },
        { id: 'p1', type: 'tg-push-order', connection: 'c1', wires: [[]] },
      ],
      { c1: { username: 'demo', password: 'x' } },
    );
    const errorStatus: Array<{ fill?: string; text?: string }> = [];
    helper
      .getNode('p1')
      .on('call:status', (call: { args: Array<{ fill?: string; text?: string }> }) => errorStatus.push(call.args[0]!));
    const result = await new Promise<string>((resolve) => {
      const p = helper.getNode('p1');
      p.on('call:error', (call: { args: unknown[] }) => resolve(String(call.args[0])));
      p.receive({ payload: fixture('01').order });
    });
    assert.match(result, /API endpoint is empty/);
    assert.ok(errorStatus.some((s) => s.fill === 'red' && /API endpoint is empty/.test(s.text ?? '')));
  });
});
