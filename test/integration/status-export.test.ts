import assert from 'node:assert/strict';
import { control } from '../helpers/sandboxes';
import { helper, waitFor } from '../helpers/red';
import { assertNoOrderStored } from '../helpers/push-order-flow';
import { exportHarness } from '../helpers/status-export';

/**
 * The status API's export action (issue 14) as Node-RED serves it: tg-status runs the intake
 * of the tg-push-order node on the same connection, against both sandboxes on loopback.
 */
describe('status API: POST orders/export (real HTTP on loopback)', function () {
  this.timeout(30_000);
  const { h, env, start, order, exportIds, counts, auth } = exportHarness('tg-status-export-');
  const tgOrderCalls = () => env.tg.requests.filter((r) => r.path.includes('/orders'));
  const nothingStored = assertNoOrderStored;

  it('exports a mixed selection and answers the exact report; the same report leaves tg-status as export-report', async () => {
    const linked = order('03');
    const eligible = order('01');
    const cancelled = order('05');
    const invalid = order('08');
    for (const o of [linked, eligible, cancelled, invalid]) env.fw.placeOrder(o, false);
    await start();
    const first = await exportIds({ ids: [linked.id] });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.exported, 1);
    const number = first.body.items[0].number as string;

    const reports: any[] = [];
    const caught: string[] = [];
    helper.getNode('out').on('input', (m: any) => reports.push(m));
    helper.getNode('s1').on('call:error', (call: { args: unknown[] }) => caught.push(String(call.args[0])));
    const r = await exportIds({ ids: [linked.id, eligible.id, String(cancelled.id), invalid.id, 99999] });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const { summary, items, ...counts } = r.body;
    assert.deepEqual(counts, { total: 5, exported: 1, alreadyLinked: 1, queued: 0, skipped: 1, failed: 2 });
    assert.equal(items.length, 5);
    const by = (id: number) => items.find((i: any) => i.orderId === String(id));
    assert.deepEqual(by(linked.id), {
      orderId: String(linked.id),
      outcome: 'already_linked',
      totalgestId: first.body.items[0].totalgestId,
      number,
    });
    assert.equal(by(eligible.id).outcome, 'exported');
    assert.match(by(eligible.id).number, /^\d{4}-\d{6}$/);
    assert.deepEqual(by(cancelled.id), { orderId: String(cancelled.id), outcome: 'skipped', reason: 'cancelled' });
    assert.equal(by(invalid.id).outcome, 'failed');
    assert.match(by(invalid.id).reason, /^carrello\[\d\]\.quantita: /);
    assert.equal(by(99999).outcome, 'failed');
    assert.match(by(99999).reason, /^orders\/get: /);
    assert.match(summary, /^5 orders: 1 exported, 1 already linked, 1 skipped, 2 failed — /);
    // Exactly two documents in TotalGest: the linked one was not sent again.
    assert.equal(env.tg.orders.length, 2);
    await waitFor(() => reports.length === 2, 5000, 'the export reports on the output');
    assert.deepEqual([reports[1].topic, reports[1].payload], ['export-report', r.body]);
    // The failures reach Catch nodes once, from tg-status (the push node leaves awaited orders to the report).
    assert.deepEqual(caught, [`Error: export: ${summary}`]);
  });

  it('force runs a linked order through intake again: unchanged stays linked, changed goes to needs_review (never a second document)', async () => {
    const o = order('01');
    env.fw.placeOrder(o, false);
    await start();
    assert.equal((await exportIds({ ids: [o.id] })).body.exported, 1);
    assert.equal((await exportIds({ ids: [o.id], force: true })).body.alreadyLinked, 1);
    env.fw.updateOrder(o.id, { note: 'please gift-wrap' }, false);
    const plain = await exportIds({ ids: [o.id] });
    assert.deepEqual(
      [plain.body.alreadyLinked, counts().done],
      [1, 1],
      'without force a linked order is not looked at again',
    );
    const forced = await exportIds({ ids: [o.id], force: true });
    assert.equal(forced.body.failed, 1);
    assert.match(forced.body.items[0].reason, /^needs review: /);
    assert.equal(counts().needs_review, 1);
    assert.equal(env.tg.orders.length, 1);
  });

  it('dry run reports what would be exported and sends nothing', async () => {
    const eligible = order('01');
    const cancelled = order('05');
    for (const o of [eligible, cancelled]) env.fw.placeOrder(o, false);
    await start();
    const r = await exportIds({ ids: [eligible.id, cancelled.id], dryRun: true });
    assert.equal(r.status, 200);
    assert.equal(r.body.summary, '2 orders: 1 would be exported (dry run), 1 skipped');
    assert.deepEqual(
      r.body.items.map((i: any) => i.outcome),
      ['would_export', 'skipped'],
    );
    assert.equal(r.body.documents, undefined, 'no documents (addresses) in the answer');
    nothingStored();
    assert.deepEqual(tgOrderCalls(), []);
  });

  it('needs the token (also with public reads), refuses other origins, and changes nothing then', async () => {
    const eligible = order('01');
    env.fw.placeOrder(eligible, false);
    await start({ status: { publicRead: true } });
    const body = { ids: [eligible.id] };
    assert.equal((await exportIds(body, { 'Content-Type': 'application/json' })).status, 401);
    assert.equal((await exportIds(body, { ...auth, Authorization: 'Bearer wrong' })).status, 401);
    const foreign = await exportIds(body, { ...auth, Origin: 'https://evil.example' });
    assert.deepEqual(
      [foreign.status, foreign.body.error],
      [403, 'cross-origin request from https://evil.example refused'],
    );
    nothingStored();
    assert.deepEqual(tgOrderCalls(), []);
  });

  it("lets the shop's allowed origin call it from a browser (CORS)", async () => {
    const eligible = order('01');
    env.fw.placeOrder(eligible, false);
    await start({ status: { corsOrigin: 'https://shop.example.ch' } });
    const preflight = await fetch(`${h.base}/orders/export`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://shop.example.ch' },
    });
    assert.equal(preflight.status, 204);
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /Content-Type/);
    const res = await fetch(`${h.base}/orders/export`, {
      method: 'POST',
      headers: { ...auth, Origin: 'https://shop.example.ch' },
      body: JSON.stringify({ ids: [eligible.id] }),
    });
    assert.deepEqual(
      [res.status, res.headers.get('access-control-allow-origin'), ((await res.json()) as any).exported],
      [200, 'https://shop.example.ch', 1],
    );
  });

  it('validates the body whole: 500 ids accepted, 501 refused, each field named with its reason', async () => {
    await start();
    const ids = (n: number) => Array.from({ length: n }, (_, i) => 900_000 + i);
    const cases: Array<[unknown, string]> = [
      [{ ids: ids(501) }, 'ids: at most 500 per request, got 501'],
      [{ ids: [12, 'abc'] }, 'ids[1]: "abc" is not an order id (digits only, up to 15)'],
      [{ ids: [] }, 'ids: give at least one order id'],
      [{ ids: '12' }, 'ids: must be an array of order ids'],
      [{ ids: [12], dryRun: 'yes' }, 'dryRun: must be true or false'],
      [{ ids: [12], force: 1 }, 'force: must be true or false'],
      [{ ids: [12], idz: [1] }, '(root): Unrecognized key: "idz"'],
      ['{"ids": [12', 'body: not valid JSON'],
    ];
    for (const [body, error] of cases) {
      const r = await exportIds(body);
      assert.deepEqual([r.status, r.body.error], [400, error], JSON.stringify(body).slice(0, 60));
    }
    nothingStored();
    const ok = await exportIds({ ids: ids(500) });
    assert.equal(ok.status, 200);
    assert.deepEqual([ok.body.total, ok.body.failed], [500, 500]);
    assert.match(ok.body.items[499].reason, /^orders\/get: /);
  });

  it('answers 503 with the cause when no tg-push-order node with a Framework360 connection uses the connection', async () => {
    const cause =
      'no tg-push-order node with a usable Framework360 connection uses this TotalGest connection: add or fix one (it runs the export with its rules) and deploy';
    await start({ push: false });
    const r = await exportIds({ ids: [12] });
    assert.deepEqual([r.status, r.body.error], [503, cause]);
    await helper.unload();
    // A push node that cannot fetch orders does not offer the export at all.
    await start({ push: { framework360: '' } });
    const noShop = await exportIds({ ids: [12] });
    assert.deepEqual([noShop.status, noShop.body.error], [503, cause]);
    nothingStored();
  });

  it('reports orders as queued when TotalGest hangs past the wait, and they finish in the background', async () => {
    const eligible = order('01');
    env.fw.placeOrder(eligible, false);
    await start({ status: { exportWait: '0.3' } });
    await control(env.tg.url, '/_sandbox/faults', { hang: true, path: '/orders', count: 1 });
    const r = await exportIds({ ids: [eligible.id] });
    assert.equal(r.status, 200);
    assert.deepEqual([r.body.queued, r.body.items[0].outcome, r.body.items[0].reason], [1, 'queued', 'still queued']);
    assert.equal(r.body.summary, '1 order: 1 queued');
    // The hung request is cut; the worker retries and links the order.
    env.tg.faults.reset();
    await waitFor(() => counts().done === 1, 15_000, 'the queued order to be exported');
    assert.equal(env.tg.orders.length, 1);
  });
});
