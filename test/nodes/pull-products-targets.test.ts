import assert from 'node:assert/strict';
import { dist, helper, nodeRedWithSandboxes, waitFor } from '../helpers/red';
import { secondShop, twoShopCredentials, twoShopFlow } from '../helpers/product-sync-sandboxes';

const nodes = [dist('totalgest-config.js'), dist('framework360-config.js'), dist('tg-pull-products.js')];

/**
 * A TotalGest connection keeps one shop's product state (links, hashes, marks, retry set). Two pull
 * nodes on it that send to different shops would each find the other's products "unchanged": the
 * second is refused, naming the shop the first sends to; when the first goes, the second runs, and
 * its shop gets every product (the state kept for the other shop is dropped).
 */
describe('tg-pull-products: one shop per TotalGest connection', function () {
  this.timeout(30_000);
  const env = nodeRedWithSandboxes('tg-pull-targets-', { articles: 30 });
  const shop2 = secondShop();

  const flow = (pulls: Array<{ id: string; fw: string }>) =>
    twoShopFlow(
      { tg: env.tg.url, shop1: env.fw.url, shop2: shop2.fw.url },
      pulls.map((p) => ({ ...p, pageSize: 10 })),
    );
  const creds = twoShopCredentials;
  const watch = (id: string) => {
    const got = { errors: [] as string[], statuses: [] as Array<{ fill?: string; text?: string }>, out: [] as any[] };
    const n = helper.getNode(id);
    n.on('call:error', (c: { args: unknown[] }) => got.errors.push(String(c.args[0])));
    n.on('call:status', (c: { args: Array<{ fill?: string; text?: string }> }) => got.statuses.push(c.args[0]!));
    helper.getNode(`${id}-out`).on('input', (m: unknown) => got.out.push(m));
    return got;
  };

  it('refuses a second pull node that sends to another shop, then serves that shop alone in full', async () => {
    await helper.load(
      nodes,
      flow([
        { id: 'p1', fw: 'f1' },
        { id: 'p2', fw: 'f2' },
      ]),
      creds,
    );
    const p1 = watch('p1');
    const p2 = watch('p2');
    helper.getNode('p1').receive({});
    await waitFor(() => p1.out.length === 1);
    const all = env.tg.articles.size;
    assert.equal(env.fw.products.size, all);
    helper.getNode('p2').receive({});
    helper.getNode('p2').receive({ topic: 'confirm', payload: [{ sku: 'SKU-000001' }] });
    await waitFor(() => p2.errors.length === 2);
    for (const e of p2.errors)
      assert.match(e, new RegExp(`sends this TotalGest connection's products to ${env.fw.url}`));
    assert.equal(p2.statuses.at(-1)?.fill, 'red');
    assert.equal(shop2.fw.products.size, 0);
    assert.equal(p2.out.length, 0);

    // The first node is gone: the second sends to its shop, which gets the whole catalogue.
    await helper.unload();
    await helper.load(nodes, flow([{ id: 'p2', fw: 'f2' }]), creds);
    const again = watch('p2');
    helper.getNode('p2').receive({});
    await waitFor(() => again.out.length === 1);
    assert.deepEqual([again.errors, shop2.fw.products.size, again.out[0].payload.created], [[], all, all]);
  });

  it('lets a dry run through: it sends nothing', async () => {
    await helper.load(
      nodes,
      flow([
        { id: 'p1', fw: 'f1' },
        { id: 'p2', fw: '' },
      ]),
      creds,
    );
    const p2 = watch('p2');
    helper.getNode('p2').receive({ dryRun: true });
    await waitFor(() => p2.out.length === 1);
    assert.deepEqual([p2.errors, p2.out[0].payload.dryRun, shop2.fw.products.size], [[], true, 0]);
  });
});
