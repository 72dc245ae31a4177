import assert from 'node:assert/strict';
import { dist, helper, nodeRedWithSandboxes, waitFor } from '../helpers/red';
import { fixtures } from '../helpers/fixtures';

const nodes = [
  dist('totalgest-config.js'),
  dist('framework360-config.js'),
  dist('tg-pull-products.js'),
  dist('tg-push-order.js'),
  dist('tg-status.js'),
];

type Status = { fill?: string; shape?: string; text?: string };

/**
 * A numeric setting out of range or not a number is refused, never clamped: the node shows it in
 * red from the start and refuses every input with an error naming the setting, the reason and the
 * value, which reaches Catch nodes; nothing is fetched, stored or sent. Blank means the default.
 */
describe('node settings: refused, not clamped', function () {
  this.timeout(30_000);
  const env = nodeRedWithSandboxes('tg-settings-', { articles: 600 });

  async function load(node: Record<string, unknown>) {
    await helper.load(
      nodes,
      [
        { id: 'c1', type: 'totalgest-config', endpoint: env.tg.url, shopId: 'demo-shop', ownerId: 'demo-owner' },
        { id: 'f1', type: 'framework360-config', siteUrl: env.fw.url },
        { id: 'n1', connection: 'c1', framework360: 'f1', wires: [['out'], ['out']], ...node },
        { id: 'out', type: 'helper' },
      ],
      {
        c1: { username: 'demo', password: 'demo-password' },
        f1: { apiKey: 'demo-key', webhookSecret: 'whsec-1' },
      },
    );
    return helper.getNode('n1');
  }

  /** The node's last status (set while it started: read from the spy). */
  const lastStatus = (n: ReturnType<typeof helper.getNode>): Status =>
    (n.status.getCalls() as Array<{ args: Status[] }>).at(-1)!.args[0]!;

  /** The error an input ends with (done(err) → node.error → Catch). */
  function errorOn(n: ReturnType<typeof helper.getNode>, msg: Record<string, unknown>): Promise<string> {
    return new Promise((resolve) => {
      n.once('call:error', (call: { args: unknown[] }) => resolve(String(call.args[0])));
      n.receive(msg);
    });
  }

  const tgCalls = () => env.tg.requests.filter((r) => !r.path.startsWith('/_sandbox')).length;

  it('tg-pull-products: pageSize 900 → red, every input refused naming it; nothing is fetched', async () => {
    const n = await load({ type: 'tg-pull-products', pageSize: '900' });
    const expected = 'pageSize: must be a whole number from 1 to 500 (got "900")';
    assert.deepEqual(lastStatus(n), { fill: 'red', shape: 'ring', text: expected });
    const before = tgCalls();
    assert.equal(await errorOn(n, { payload: 'go' }), `Error: ${expected}`);
    assert.equal(await errorOn(n, { topic: 'confirm', payload: ['SKU-1'] }), `Error: ${expected}`);
    assert.equal(tgCalls(), before, 'nothing asked of TotalGest');
    assert.equal(env.fw.products.size, 0);
  });

  for (const [setting, value, reason] of [
    ['maxConcurrency', 'abc', 'must be a whole number from 1 to 64'],
    ['batchSize', 2.5, 'must be a whole number from 1 to 5000'],
    ['overlap', '-1', 'must be a whole number from 0 to 86400'],
  ] as const) {
    it(`tg-pull-products: ${setting} ${JSON.stringify(value)} → refused`, async () => {
      const n = await load({ type: 'tg-pull-products', [setting]: value });
      const expected = `${setting}: ${reason} (got "${value}")`;
      assert.equal(lastStatus(n).text, expected);
      assert.equal(await errorOn(n, { payload: 'go' }), `Error: ${expected}`);
    });
  }

  it('tg-pull-products: blank settings are the engine defaults (600 articles in 2 pages of up to 500)', async () => {
    const n = await load({ type: 'tg-pull-products', pageSize: '', batchSize: '', overlap: ' ', maxConcurrency: '' });
    const summaries: Array<{ payload: { created: number } }> = [];
    helper.getNode('out').on('input', (m: { payload: { created: number } }) => summaries.push(m));
    n.receive({ payload: 'go' });
    await waitFor(() => summaries.length === 1);
    assert.equal(summaries[0]!.payload.created, env.tg.articles.size);
    assert.equal(env.tg.requests.filter((r) => r.path.endsWith('/articles')).length, 2);
  });

  it('tg-push-order: waitTimeout 0 → red, an order refused (answered 500, nothing stored)', async () => {
    const n = await load({ type: 'tg-push-order', mode: 'wait', waitTimeout: 0 });
    const expected = 'waitTimeout: must be a whole number from 1 to 3600 (got "0")';
    assert.deepEqual(lastStatus(n), { fill: 'red', shape: 'ring', text: expected });
    const answers: Array<{ statusCode?: number; payload: { error?: string } }> = [];
    helper.getNode('out').on('input', (m: (typeof answers)[number]) => answers.push(m));
    const order = structuredClone(fixtures[0]![1].order) as { id: number };
    assert.equal(await errorOn(n, { payload: order }), `Error: ${expected}`);
    await waitFor(() => answers.length === 1);
    assert.deepEqual([answers[0]!.statusCode, answers[0]!.payload.error], [500, expected]);
    assert.equal(helper.getNode('c1').connection().exporter.store.get(String(order.id)), undefined);
    assert.equal(await errorOn(n, { topic: 'retry', payload: {} }), `Error: ${expected}`);
  });

  it('tg-push-order: an unsigned webhook is still refused for its signature first (it learns nothing of the setting)', async () => {
    const n = await load({ type: 'tg-push-order', mode: 'wait', waitTimeout: '0' });
    assert.equal(lastStatus(n).text, 'waitTimeout: must be a whole number from 1 to 3600 (got "0")');
    const answers: Array<{ statusCode?: number; payload: { error?: string } }> = [];
    helper.getNode('out').on('input', (m: (typeof answers)[number]) => answers.push(m));
    const err = await errorOn(n, { req: { headers: {} }, payload: '{}' });
    assert.match(err, /X-Fw360-Signature header is missing/);
    await waitFor(() => answers.length === 1);
    assert.equal(answers[0]!.statusCode, 401);
    assert.doesNotMatch(JSON.stringify(answers[0]!.payload), /waitTimeout/);
  });

  it('tg-push-order: a refused sweep setting refuses the sweep alone; orders are still stored and sent', async () => {
    const n = await load({ type: 'tg-push-order', reconcileDays: '400' });
    const expected = 'reconcileDays: must be a whole number from 1 to 365 (got "400")';
    await waitFor(() => (lastStatus(n).text ?? '').includes(expected));
    assert.equal(lastStatus(n).fill, 'red');
    assert.equal(await errorOn(n, { topic: 'reconcile', payload: {} }), `Error: ${expected}`);
    const order = structuredClone(fixtures[0]![1].order) as { id: number };
    const answers: Array<{ payload: { outcome?: string } }> = [];
    helper.getNode('out').on('input', (m: (typeof answers)[number]) => answers.push(m));
    n.receive({ payload: order });
    await waitFor(() => answers.some((a) => a.payload.outcome === 'queued'));
    await waitFor(() => helper.getNode('c1').connection().orders.get(String(order.id))?.state === 'done');
  });

  it('tg-push-order: reconcileStatuses as an object (an imported flow) refuses the sweep alone, not the default list', async () => {
    const n = await load({ type: 'tg-push-order', reconcileStatuses: { 0: '3' } });
    const expected = 'reconcileStatuses: must be a comma-separated list (got "{\\"0\\":\\"3\\"}")';
    // The status is shortened; the error below carries the whole text.
    await waitFor(() => (lastStatus(n).text ?? '').includes('reconcileStatuses: must be a comma-separated list'));
    assert.equal(lastStatus(n).fill, 'red');
    const fwCalls = () => env.fw.requests.filter((r) => !r.path.startsWith('/_sandbox')).length;
    const before = fwCalls();
    assert.equal(await errorOn(n, { topic: 'reconcile', payload: {} }), `Error: ${expected}`);
    assert.equal(fwCalls(), before, 'no sweep asked Framework360 for orders');
    const order = structuredClone(fixtures[0]![1].order) as { id: number };
    const answers: Array<{ payload: { outcome?: string } }> = [];
    helper.getNode('out').on('input', (m: (typeof answers)[number]) => answers.push(m));
    n.receive({ payload: order });
    await waitFor(() => answers.some((a) => a.payload.outcome === 'queued'));
    await waitFor(() => helper.getNode('c1').connection().orders.get(String(order.id))?.state === 'done');
  });

  it('tg-push-order: cancelledStatuses as an object refuses every input (it decides which orders are exported)', async () => {
    const n = await load({ type: 'tg-push-order', cancelledStatuses: { a: 1 } });
    const expected = 'cancelledStatuses: must be a comma-separated list (got "{\\"a\\":1}")';
    assert.deepEqual(lastStatus(n), { fill: 'red', shape: 'ring', text: expected });
    const order = structuredClone(fixtures[0]![1].order) as { id: number };
    assert.equal(await errorOn(n, { payload: order }), `Error: ${expected}`);
    assert.equal(helper.getNode('c1').connection().exporter.store.get(String(order.id)), undefined);
  });

  it('tg-push-order: an unknown mode is refused', async () => {
    const n = await load({ type: 'tg-push-order', mode: 'later' });
    assert.equal(lastStatus(n).text, 'mode: must be queue or wait (got "later")');
  });

  it('tg-status: exportWait 500 → red and every input refused', async () => {
    const n = await load({ type: 'tg-status', exportWait: '500', path: '/totalgest/settings-test' });
    const expected = 'exportWait: must be a number from 0 to 120 (got "500")';
    assert.deepEqual(lastStatus(n), { fill: 'red', shape: 'ring', text: expected });
    assert.equal(await errorOn(n, { payload: { type: 'summary' } }), `Error: ${expected}`);
  });
});
