import assert from 'node:assert/strict';
import { helper, waitFor } from '../helpers/red';
import { control } from '../helpers/sandboxes';
import { exportHarness, pushOrderNode, TOKEN } from '../helpers/status-export';

describe('manual export regressions found by adversarial review: POST orders/export', function () {
  this.timeout(40_000);
  const { h, env, start, order, exportIds, counts } = exportHarness('tg-adv14-');

  it('ids with leading zeros (12, 012, 0012) are one order: one report line, not 3 exported', async () => {
    const o = order('01');
    env.fw.placeOrder(o, false);
    await start();
    const r = await exportIds({ ids: [String(o.id), `0${o.id}`, `00${o.id}`] });
    console.log('      report:', JSON.stringify(r.body));
    assert.equal(r.status, 200);
    assert.equal(env.tg.orders.length, 1);
    assert.equal(r.body.total, 1, 'one order selected three ways is one order');
  });

  it('a linked, since edited order asked for as "0<id>" without force is not looked at again', async () => {
    const o = order('01');
    env.fw.placeOrder(o, false);
    await start();
    assert.equal((await exportIds({ ids: [o.id] })).body.exported, 1);
    env.fw.updateOrder(o.id, { note: 'please gift-wrap' }, false);
    const r = await exportIds({ ids: [`0${o.id}`] });
    console.log('      ', JSON.stringify(r.body.items), JSON.stringify(counts()));
    assert.deepEqual(
      [r.body.alreadyLinked, counts().done, counts().needs_review],
      [1, 1, 0],
      'without force a linked order must stay linked',
    );
  });

  it('held: two concurrent exports of the same id make one document', async () => {
    const o = order('01');
    env.fw.placeOrder(o, false);
    await start();
    const [a, b] = await Promise.all([exportIds({ ids: [o.id] }), exportIds({ ids: [o.id] })]);
    console.log('      a:', JSON.stringify(a.body), '\n      b:', JSON.stringify(b.body));
    await waitFor(() => counts().done === 1, 15_000, 'linked');
    assert.equal(env.tg.orders.length, 1);
  });

  it('the answer comes within the export wait when Framework360 orders/get is slow', async () => {
    const o = order('01');
    env.fw.placeOrder(o, false);
    await start({ status: { exportWait: '0.3' } });
    await control(env.fw.url, '/_sandbox/faults', { latencyMs: 3000 });
    const t0 = Date.now();
    const r = await exportIds({ ids: [o.id] });
    const took = Date.now() - t0;
    console.log('      took', took, 'ms with a 300 ms bound:', JSON.stringify(r.body));
    // The sandbox cannot answer orders/get before 3 s: an answer only after that waited for the fetch.
    assert.ok(took < 3000, `answered after ${took} ms, past the 0.3 s export wait (the fetch is not bounded)`);
  });

  it('held: dry run with force on a changed linked order stores nothing', async () => {
    const o = order('01');
    env.fw.placeOrder(o, false);
    await start();
    assert.equal((await exportIds({ ids: [o.id] })).body.exported, 1);
    env.fw.updateOrder(o.id, { note: 'gift' }, false);
    const before = counts();
    const r = await exportIds({ ids: [o.id], force: true, dryRun: true });
    console.log('      ', JSON.stringify(r.body), JSON.stringify(counts()));
    assert.deepEqual(counts(), before);
  });

  it('held: dry run on a failed order stores nothing and sends nothing', async () => {
    const o = order('01');
    env.fw.placeOrder(o, false);
    await start({ status: { exportWait: '10' } });
    await control(env.tg.url, '/_sandbox/faults', { status: 422, path: '/orders', count: 5 });
    const first = await exportIds({ ids: [o.id] });
    console.log('      first', JSON.stringify(first.body), JSON.stringify(counts()));
    const before = counts();
    const n = env.tg.requests.length;
    env.tg.faults.reset();
    const r = await exportIds({ ids: [o.id], dryRun: true });
    console.log('      dry', JSON.stringify(r.body), JSON.stringify(counts()));
    assert.deepEqual(counts(), before);
    assert.deepEqual(
      env.tg.requests.slice(n).filter((q) => q.path.includes('/orders')),
      [],
    );
  });

  it('held: text/plain post without Origin needs the token; token in the query is not taken; Origin null refused', async () => {
    const o = order('01');
    env.fw.placeOrder(o, false);
    await start({ status: { publicRead: true } });
    const res = await fetch(`${h.base}/orders/export`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: JSON.stringify({ ids: [o.id] }),
    });
    assert.equal(res.status, 401);
    const res2 = await fetch(`${h.base}/orders/export?token=${TOKEN}`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain', Origin: 'null' },
      body: JSON.stringify({ ids: [o.id] }),
    });
    assert.equal(res2.status, 403, 'Origin null is another origin');
    assert.equal(env.tg.orders.length, 0);
    assert.ok(helper.getNode('s1'));
  });

  it('the summary (debug sidebar, Catch message) stays short when 500 orders fail', async () => {
    await start();
    const caught: string[] = [];
    helper.getNode('s1').on('call:error', (call: { args: unknown[] }) => caught.push(String(call.args[0])));
    const r = await exportIds({ ids: Array.from({ length: 500 }, (_, i) => 900_000 + i) });
    assert.equal(r.body.failed, 500);
    await waitFor(() => caught.length === 1, 5000, 'the Catch error');
    console.log('      summary', r.body.summary.length, 'characters; Catch message', caught[0]!.length);
    assert.ok(r.body.summary.length <= 1000, `summary of ${r.body.summary.length} characters`);
  });

  it('held: odd ids refused by name before anything runs; spaces trimmed and duplicates merged', async () => {
    const o = order('01');
    env.fw.placeOrder(o, false);
    await start();
    for (const [body, error] of [
      ['{"ids":[-1]}', 'ids[0]: "-1" is not an order id (digits only, up to 15)'],
      ['{"ids":[1e21]}', 'ids[0]: "1e+21" is not an order id (digits only, up to 15)'],
      ['{"ids":[12.5]}', 'ids[0]: "12.5" is not an order id (digits only, up to 15)'],
      ['{"ids":[9007199254740993]}', 'ids[0]: "9007199254740992" is not an order id (digits only, up to 15)'],
      ['{"ids":[1],"dryRun":null}', 'dryRun: must be true or false'],
    ] as const) {
      const r = await exportIds(body);
      assert.deepEqual([r.status, r.body.error], [400, error]);
    }
    assert.equal(env.fw.requests.filter((q: any) => String(q.path).includes('orders/get')).length, 0);
    const ok = await exportIds({ ids: [` ${o.id} `, o.id, String(o.id)] });
    assert.deepEqual([ok.body.total, ok.body.exported, env.tg.orders.length], [1, 1, 1]);
  });

  it('an id of the wrong type (null, object) is refused with its reason, not "Invalid input"', async () => {
    await start();
    const r = await exportIds('{"ids":[12,null]}');
    assert.equal(r.status, 400);
    assert.match(r.body.error, /^ids\[1\]: .*not an order id/);
  });

  it('an override failing on one order fails that order in the report; the others are not sent behind a 422', async () => {
    const a = order('01');
    const b = order('02');
    for (const o of [a, b]) env.fw.placeOrder(o, false);
    await start({ push: { override: `id = ${b.id} ? $error("boom") : $` } });
    const r = await exportIds({ ids: [a.id, b.id] });
    await waitFor(() => env.tg.orders.length === 1, 10_000, 'the first order sent to TotalGest');
    console.log(
      '      ',
      r.status,
      JSON.stringify(r.body),
      JSON.stringify(counts()),
      'documents:',
      env.tg.orders.length,
    );
    assert.equal(
      r.status,
      200,
      `answered ${r.status} ${JSON.stringify(r.body)} although order ${a.id} was taken and sent`,
    );
  });

  it('held: dry run makes no write request to TotalGest or Framework360 and stores nothing', async () => {
    const o = order('01');
    env.fw.placeOrder(o, false);
    await start();
    const tg0 = env.tg.requests.length;
    const fw0 = env.fw.requests.length;
    const r = await exportIds({ ids: [o.id, 424242], dryRun: true });
    const tgCalls = env.tg.requests.slice(tg0).map((q: any) => `${q.method} ${q.path}`);
    const fwCalls = env.fw.requests.slice(fw0).map((q: any) => `${q.method} ${q.path}`);
    console.log('      ', JSON.stringify(r.body.items), tgCalls, fwCalls);
    assert.deepEqual(
      tgCalls.filter((c: string) => !c.startsWith('GET ') && !c.endsWith('/auth/login')),
      [],
    );
    assert.deepEqual(
      fwCalls.filter((c: string) => !c.startsWith('GET ')),
      [],
    );
    assert.deepEqual(
      Object.values(counts()).reduce((a, b) => a + b, 0),
      0,
    );
  });
  it('a push node without a Framework360 connection, deployed first, does not block a working second one', async () => {
    const o = order('01');
    env.fw.placeOrder(o, false);
    await start({
      push: { framework360: '' },
      extra: [pushOrderNode({ id: 'p2' })],
    });
    const r = await exportIds({ ids: [o.id] });
    console.log('      ', r.status, JSON.stringify(r.body));
    assert.equal(r.status, 200);
  });
});
