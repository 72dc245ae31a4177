import assert from 'node:assert/strict';
import { control } from '../helpers/sandboxes';
import { dist, helper, nodeRedWithSandboxes, waitFor } from '../helpers/red';

const join = require('@node-red/nodes/core/sequence/17-split.js');
const nodes = [dist('totalgest-config.js'), dist('framework360-config.js'), dist('tg-pull-products.js'), join];

describe('tg-pull-products in Node-RED', function () {
  this.timeout(30_000);
  const env = nodeRedWithSandboxes('tg-pull-', { articles: 500 });

  const load = (pull: Record<string, unknown> = {}, withFw = true, extra: Array<Record<string, unknown>> = []) =>
    helper.load(
      nodes,
      [
        ...extra,
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
    helper
      .getNode('p1')
      .on('call:status', (c: { args: Array<{ fill?: string; text?: string }> }) => s.push(c.args[0]!));
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
    const progress = st.slice(1, -1).map((x) => x.text ?? '');
    assert.ok(progress.length > 0, JSON.stringify(st));
    for (const t of progress)
      assert.match(
        t,
        /^(syncing \d{1,3}(,\d{3})* …|writing \d{1,3}(,\d{3})*\/\d{1,3}(,\d{3})* · \d+ in flight · \d{1,3}(,\d{3})*\/s)$/,
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
    assert.equal(
      articleCalls.length,
      2 * Math.ceil(env.tg.articles.size / 100),
      '2 runs of every page, never overlapping',
    );
  });

  it('emits batches that a core Join (automatic) reassembles; they are pending until the flow confirms them', async () => {
    const join = { id: 'j1', type: 'join', mode: 'auto', wires: [['joined']] };
    await load({ wires: [['products', 'j1'], ['summary']] }, false, [join, { id: 'joined', type: 'helper' }]);
    const batches = collect('products');
    const joined = collect('joined');
    const summaries = collect('summary');
    const st = statuses();
    helper.getNode('p1').receive({});
    await waitFor(() => summaries.length === 1 && joined.length === 1);
    assert.equal(env.fw.products.size, 0);
    // Nothing was written by the node: the status and summary say emitted, not created.
    assert.match(st.at(-1)!.text!, new RegExp(`^✓ ${env.tg.articles.size} emitted · \\d\\d:\\d\\d$`));
    assert.match(summaries[0].payload.summary, new RegExp(`: ${env.tg.articles.size} emitted \\(`));
    // Each batch names the version of each product, for a confirmation tied to it.
    for (const m of batches)
      assert.deepEqual(Object.keys(m.versions).sort(), m.payload.map((p: { sku: string }) => p.sku).sort());
    assert.deepEqual(
      batches.map((m) => m.parts.index),
      batches.map((_, i) => i),
    );
    assert.ok(batches.every((m) => m.payload.length <= 50));
    assert.equal(batches.at(-1).parts.count, batches.length);
    assert.equal(joined[0].payload.length, env.tg.articles.size);
    assert.deepEqual(
      joined[0].payload.map((p: { sku: string }) => p.sku),
      batches.flatMap((m) => m.payload.map((p: { sku: string }) => p.sku)),
    );
    const products = (helper.getNode('c1') as any).connection().products;
    assert.deepEqual(products.counts(), { linked: 0, failed: 0, deactivated: 0, emitted: env.tg.articles.size });
    const status = (helper.getNode('c1') as any).connection().status;
    assert.equal(status.productStatuses(['SKU-000001'], 'en')['SKU-000001'].state, 'pending');
    // The flow wrote them: it confirms with the SKUs.
    helper.getNode('p1').receive({ topic: 'confirm', payload: joined[0].payload.map((p: { sku: string }) => p.sku) });
    await waitFor(() => summaries.length === 2);
    assert.deepEqual(summaries[1].payload, { confirmed: env.tg.articles.size, failed: 0, notEmitted: [], stale: [] });
    assert.equal(products.counts().linked, env.tg.articles.size);
    assert.equal(status.productStatuses(['SKU-000001'], 'en')['SKU-000001'].state, 'linked');
  });

  it('refuses a malformed confirmation, naming the field, and changes nothing', async () => {
    await load({}, false);
    const summaries = collect('summary');
    const errors: string[] = [];
    helper.getNode('p1').on('call:error', (c: { args: unknown[] }) => errors.push(String(c.args[0])));
    helper.getNode('p1').receive({});
    await waitFor(() => summaries.length === 1);
    helper.getNode('p1').receive({ topic: 'confirm', payload: ['SKU-000001', { id: 5 }] });
    await waitFor(() => errors.length === 1);
    assert.match(errors[0]!, /confirm: msg\.payload\[1\]\.sku /);
    const products = (helper.getNode('c1') as any).connection().products;
    assert.equal(products.counts().linked, 0);
  });

  it('stops the run at the first refused API key: red status, an error for Catch, the products kept to retry', async () => {
    await control(env.fw.url, '/_sandbox/config', { apiKey: 'rotated-key' });
    try {
      await load();
      const summaries = collect('summary');
      const st = statuses();
      const errors: string[] = [];
      helper.getNode('p1').on('call:error', (c: { args: unknown[] }) => errors.push(String(c.args[0])));
      helper.getNode('p1').receive({});
      await waitFor(() => summaries.length === 1 && errors.length === 1);
      const saves = env.fw.requests.filter((r) => r.path === '/m/api/products/save').length;
      assert.ok(saves <= 8, `${saves} products/save sent with a refused key`);
      assert.match(summaries[0].payload.stoppedBy, /Invalid API key/);
      assert.match(errors[0]!, /product sync stopped: .*Invalid API key/);
      assert.equal(st.at(-1)!.fill, 'red');
      assert.doesNotMatch(JSON.stringify([summaries[0].payload, st, errors]), /rotated-key|demo-key/);
      const products = (helper.getNode('c1') as any).connection().products;
      assert.equal(products.counts().linked, 0);
    } finally {
      await control(env.fw.url, '/_sandbox/config', { apiKey: 'demo-key' });
    }
  });

  it('shows the write progress with the adaptive concurrency and rate in the status', async () => {
    await control(env.fw.url, '/_sandbox/faults', { latencyMs: 20 });
    await load();
    const summaries = collect('summary');
    const st = statuses();
    helper.getNode('p1').receive({});
    await waitFor(() => summaries.length === 1, 20_000);
    const writing = st.map((x) => x.text ?? '').filter((t) => t.startsWith('writing'));
    assert.ok(writing.length > 0, JSON.stringify(st));
    for (const t of writing)
      assert.match(t, /^writing \d{1,3}(,\d{3})*\/\d{1,3}(,\d{3})* · \d+ in flight · \d{1,3}(,\d{3})*\/s$/);
    assert.ok(summaries[0].payload.concurrency.peak > 4, JSON.stringify(summaries[0].payload.concurrency));
  });

  it('writes an inactive (not deleted) article as inactive with stock 0', async () => {
    const a = env.tg.articles.get('A-000005')!;
    await control(env.tg.url, '/_sandbox/articles', {
      items: [{ ...a, active: false, updatedAt: new Date().toISOString() }],
    });
    await load();
    const summaries = collect('summary');
    helper.getNode('p1').receive({});
    await waitFor(() => summaries.length === 1);
    assert.equal(summaries[0].payload.failed, 0);
    const p = env.fw.products.get(a.sku)!;
    assert.deepEqual([p.active, p.stock, p.price, p.name], [false, '0', a.price, a.name]);
    assert.notEqual(a.stock.available, '0', 'the article has stock in TotalGest');
  });

  it('applies the JSONata override set in the node, and fails alone a product it throws on', async () => {
    const override = 'sku = "SKU-000003" ? $error("no name for SKU-000003") : $merge([$, {"name": $uppercase(name)}])';
    await load({ override });
    const summaries = collect('summary');
    helper.getNode('p1').receive({});
    await waitFor(() => summaries.length === 1);
    const s = summaries[0].payload;
    assert.equal(s.created, env.tg.articles.size - 1);
    assert.equal(s.failed, 1);
    assert.equal(s.failures[0].sku, 'SKU-000003');
    assert.match(s.failures[0].reason, /no name for SKU-000003/);
    assert.equal(env.fw.products.get('SKU-000001')!.name, env.tg.articles.get('A-000001')!.name.toUpperCase());
    assert.equal(env.fw.products.has('SKU-000003'), false);
    const products = (helper.getNode('c1') as any).connection().products;
    assert.equal(products.get('SKU-000003').state, 'failed');
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
    await load({ maxConcurrency: 1 });
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

  it('keeps an invalid article visible in the status on later runs until TotalGest serves it valid', async () => {
    await control(env.tg.url, '/_sandbox/articles/corrupt', { id: 'A-000009', set: { vatRate: 'eight' } });
    // No overlap: the second run reads nothing, so the article is not simply failed again.
    await load({ overlap: 0 });
    const summaries = collect('summary');
    const st = statuses();
    helper.getNode('p1').receive({});
    await waitFor(() => summaries.length === 1);
    assert.match(summaries[0].payload.failures[0].reason, /^invalid article: vatRate: /);
    helper.getNode('p1').receive({});
    await waitFor(() => summaries.length === 2);
    assert.deepEqual([summaries[1].payload.failed, summaries[1].payload.stillFailed], [0, 1]);
    assert.match(st.at(-1)!.text!, /^⚠ 0 updated · 1 to retry · \d\d:\d\d$/);
    assert.equal(st.at(-1)!.fill, 'yellow');
  });

  it('stops a running sync on redeploy and leaves no work behind', async () => {
    await control(env.tg.url, '/_sandbox/faults', { latencyMs: 100 });
    await load();
    helper.getNode('p1').receive({});
    const pages = () => env.tg.requests.filter((r) => r.path.endsWith('/articles'));
    // Redeployed once page 1 is recorded (its resume point stored), in the middle of the run.
    const store = (helper.getNode('c1') as any).connection().products;
    await waitFor(() => store.resume() !== undefined && pages().length >= 3, 20_000);
    const before = pages().length;
    await helper.unload();
    const closedAt = Date.now();
    // Close waited for the page in flight (and the one prefetched), and started none after it.
    assert.ok(pages().length <= before + 1, `${pages().length - before} pages requested during close`);
    assert.ok(
      env.tg.requests.every((r) => r.doneAt !== undefined),
      'every request was answered before close returned',
    );
    // After the redeploy the next run continues the interrupted one.
    await load();
    const summaries = collect('summary');
    helper.getNode('p1').receive({});
    await waitFor(() => summaries.length === 1, 20_000);
    // The new connection's login is the signal: the stopped run sent nothing between close and it.
    const firstAfterClose = env.tg.requests.find((r) => r.at >= closedAt)!;
    assert.equal(firstAfterClose.path, '/api/v1/auth/login');
    assert.ok(summaries[0].payload.fetched < env.tg.articles.size);
    assert.equal(env.fw.products.size, env.tg.articles.size);
  });
});
