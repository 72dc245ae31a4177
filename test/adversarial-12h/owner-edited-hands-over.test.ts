/**
 * Two pull nodes on one TotalGest connection, p1 sending to shop A (it ran: the state is A's), p2
 * to shop B (refused). The user edits an unrelated setting of p1 (page size) and deploys "modified
 * nodes" — or moves p2 ahead of p1 and deploys in full. p1 is closed and created again, so it is
 * registered after p2, and "the first registered decides" now picks p2: p2's next message is
 * accepted, drops A's state (links, hashes, cursor, retry set) and writes the whole catalogue to
 * shop B, and p1, the node the user just edited, is refused. Ownership must follow the shop the
 * kept state belongs to (meta products.target) while a live node sends there, not creation order.
 */
import assert from 'node:assert/strict';
import { dist, helper, nodeRedWithSandboxes, waitFor } from '../helpers/red';
import { secondShop, twoShopCredentials, twoShopFlow } from '../helpers/product-sync-sandboxes';

const nodes = [dist('totalgest-config.js'), dist('framework360-config.js'), dist('tg-pull-products.js')];

describe('adversarial 12h: editing the owning pull node hands its connection to the other shop', function () {
  this.timeout(30_000);
  const env = nodeRedWithSandboxes('tg-12h-owner-', { articles: 30 });
  const shop2 = secondShop();

  const flow = (pulls: Array<{ id: string; fw: string; pageSize?: number }>) =>
    twoShopFlow(
      { tg: env.tg.url, shop1: env.fw.url, shop2: shop2.fw.url },
      pulls.map((p) => ({ ...p, pageSize: p.pageSize ?? 10 })),
    );
  const creds = twoShopCredentials;
  const watch = (id: string) => {
    const got = { errors: [] as string[], out: [] as any[] };
    helper.getNode(id).on('call:error', (c: { args: unknown[] }) => got.errors.push(String(c.args[0])));
    helper.getNode(`${id}-out`).on('input', (m: unknown) => got.out.push(m));
    return got;
  };

  const cases: Array<{ name: string; redeploy: () => Promise<void> }> = [
    {
      name: 'a modified-nodes deploy of the owner (page size only)',
      redeploy: () =>
        helper.setFlows(
          flow([
            { id: 'p1', fw: 'f1', pageSize: 20 },
            { id: 'p2', fw: 'f2' },
          ]),
          'nodes',
          creds,
        ),
    },
    {
      name: 'a full deploy with the other node listed first',
      redeploy: () =>
        helper.setFlows(
          flow([
            { id: 'p2', fw: 'f2' },
            { id: 'p1', fw: 'f1' },
          ]),
          'full',
          creds,
        ),
    },
  ];
  for (const c of cases)
    it(`keeps the shop the state was written to after ${c.name}`, async () => {
      await helper.load(
        nodes,
        flow([
          { id: 'p1', fw: 'f1' },
          { id: 'p2', fw: 'f2' },
        ]),
        creds,
      );
      const p1 = watch('p1');
      helper.getNode('p1').receive({});
      await waitFor(() => p1.out.length === 1);
      assert.equal(env.fw.products.size, env.tg.articles.size);

      await c.redeploy();
      const p2 = watch('p2');
      helper.getNode('p2').receive({});
      await waitFor(() => p2.errors.length + p2.out.length === 1);
      // p2 must still be refused: the kept state is shop A's and p1 still sends there.
      assert.equal(p2.out.length, 0, 'p2 ran and wrote the catalogue to shop B');
      assert.match(p2.errors[0] ?? '', new RegExp(env.fw.url));
      assert.equal(shop2.fw.products.size, 0);
      const again = watch('p1');
      helper.getNode('p1').receive({});
      await waitFor(() => again.errors.length + again.out.length === 1);
      assert.deepEqual([again.errors, again.out[0]?.payload.created], [[], 0]);
    });
});
