import assert from 'node:assert/strict';
import { control } from '../helpers/sandboxes';
import { dist, helper, nodeRedWithSandboxes, waitFor } from '../helpers/red';

const nodes = [dist('totalgest-config.js'), dist('framework360-config.js'), dist('tg-pull-products.js')];

describe('tg-pull-products in Node-RED', function () {
  this.timeout(30_000);
  const env = nodeRedWithSandboxes('tg-pull-', { articles: 500 });

  const load = (pull: Record<string, unknown> = {}, withFw = true) =>
    helper.load(
      nodes,
      [
        { id: 'c1', type: 'totalgest-config', endpoint: env.tg.url, shopId: 'demo-shop', ownerId: 'demo-owner' },
        { id: 'f1', type: 'framework360-config', siteUrl: env.fw.url },
        {
          id: 'p1',
          type: 'tg-pull-products',
          connection: 'c1',
          framework360: withFw ? 'f1' : '',
          pageSize: 100,
          batchSize: 50,
          wires: [['products'], ['summary']],
          ...pull,
        },
        { id: 'products', type: 'helper' },
        { id: 'summary', type: 'helper' },
      ],
      { c1: { username: 'demo', password: 'demo-password' }, f1: { apiKey: 'demo-key' } },
    );

  function collect(id: string): any[] {
    const got: any[] = [];
    helper.getNode(id).on('input', (m: any) => got.push(m));
    return got;
  }
  function statuses(): Array<{ fill?: string; text?: string }> {
    const s: Array<{ fill?: string; text?: string }> = [];
    helper.getNode('p1').on('call:status', (c: { args: Array<{ fill?: string; text?: string }> }) => s.push(c.args[0]!));
    return s;
  }

  it('syncs on any message, shows progress and the summary in the status, and sends the summary', async () => {
    await load();
    const summaries = collect('summary');
    const st = statuses();
    helper.getNode('p1').receive({ payload: 'go' });
    await waitFor(() => summaries.length === 1);
    const s = summaries[0].payload;
    assert.deepEqual([s.fetched, s.created, s.failed], [env.tg.articles.size, env.tg.articles.size, 0]);
    assert.equal(env.fw.products.size, env.tg.articles.size);
    assert.ok(
      st.some((x) => /^syncing \d{1,3}(,\d{3})* …$/.test(x.text ?? '')),
      JSON.stringify(st),
    );
    assert.match(st.at(-1)!.text!, /^✓ \d+ created · 0 updated · \d\d:\d\d$/);
    assert.equal(st.at(-1)!.fill, 'green');
  });

  it('coalesces triggers: one run at a time and one queued behind it', async () => {
    await control(env.tg.url, '/_sandbox/faults', { latencyMs: 20 });
    await load();
    const summaries = collect('summary');
    const p1 = helper.getNode('p1');
    for (let i = 0; i < 5; i++) p1.receive({ payload: i });
    p1.receive({ payload: 'full', full: true });
    await waitFor(() => summaries.length === 6, 20_000);
    // 1 run for the first trigger, 1 queued run for all the others (with full merged in).
    const runs = new Set(summaries.map((m) => m.payload.startedAt));
    assert.equal(runs.size, 2);
    assert.equal(summaries.at(-1).payload.full, true);
    const articleCalls = env.tg.requests.filter((r) => r.path.endsWith('/articles'));
    assert.equal(articleCalls.length, 2 * Math.ceil(env.tg.articles.size / 100), '2 runs of every page, never overlapping');
  });

  it('emits product batches with msg.parts without a Framework360 connection', async () => {
    await load({}, false);
    const batches = collect('products');
    const summaries = collect('summary');
    helper.getNode('p1').receive({});
    await waitFor(() => summaries.length === 1);
    assert.equal(
      batches.reduce((n, m) => n + m.payload.length, 0),
      env.tg.articles.size,
    );
    assert.deepEqual(
      batches.map((m) => m.parts.index),
      batches.map((_, i) => i),
    );
    assert.ok(batches.every((m) => m.payload.length <= 50));
    assert.equal(env.fw.products.size, 0);
  });

  it('dry run via msg.dryRun writes nothing', async () => {
    await load();
    const summaries = collect('summary');
    helper.getNode('p1').receive({ dryRun: true });
    await waitFor(() => summaries.length === 1);
    assert.equal(summaries[0].payload.wouldWrite.created.length, env.tg.articles.size);
    assert.equal(env.fw.products.size, 0);
  });

  it('turns the status red and tells Catch nodes when TotalGest fails', async () => {
    await control(env.tg.url, '/_sandbox/faults', { status: 403, code: 'shop_forbidden', count: 100 });
    await load();
    const st = statuses();
    const errors: string[] = [];
    helper.getNode('p1').on('call:error', (c: { args: unknown[] }) => errors.push(String(c.args[0])));
    helper.getNode('p1').receive({});
    await waitFor(() => errors.length === 1);
    assert.match(errors[0]!, /may not use shop/);
    assert.equal(st.at(-1)!.fill, 'red');
    assert.match(st.at(-1)!.text!, /may not use shop/);
  });

  it('reports failed products to Catch nodes while finishing the run', async () => {
    await control(env.fw.url, '/_sandbox/faults', { status: 400, count: 1, path: '/products/save' });
    await load({ writeConcurrency: 1 });
    const summaries = collect('summary');
    const errors: string[] = [];
    helper.getNode('p1').on('call:error', (c: { args: unknown[] }) => errors.push(String(c.args[0])));
    const st = statuses();
    helper.getNode('p1').receive({});
    await waitFor(() => summaries.length === 1 && errors.length === 1);
    assert.equal(summaries[0].payload.failed, 1);
    assert.match(errors[0]!, /1 failed/);
    assert.match(st.at(-1)!.text!, /^⚠ .* · 1 failed · \d\d:\d\d$/);
  });

  it('stops a running sync on redeploy and leaves no work behind', async () => {
    await control(env.tg.url, '/_sandbox/faults', { latencyMs: 100 });
    await load();
    helper.getNode('p1').receive({});
    await waitFor(() => env.tg.requests.filter((r) => r.path.endsWith('/articles')).length >= 3);
    const t0 = Date.now();
    await helper.unload();
    assert.ok(Date.now() - t0 < 2000, 'close waits only for the page in flight');
    const calls = env.tg.requests.length;
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(env.tg.requests.length, calls, 'no request after close');
    // After the redeploy the next run continues the interrupted one.
    await load();
    const summaries = collect('summary');
    helper.getNode('p1').receive({});
    await waitFor(() => summaries.length === 1, 20_000);
    assert.ok(summaries[0].payload.fetched < env.tg.articles.size);
    assert.equal(env.fw.products.size, env.tg.articles.size);
  });
});
