/**
 * A refused pull node says so in its status as soon as it is deployed (red ring), not only when its
 * first message fails. The refusal is computed when the node is created, against the pull nodes
 * registered so far; a node created before the one that owns the connection (listed first in a full
 * deploy, or left alone while the owner is redeployed) shows nothing at all, and a node whose owner
 * was deleted keeps saying "refused" although its next message runs. The status must follow the
 * registrations of the connection.
 */
import assert from 'node:assert/strict';
import { dist, helper, nodeRedWithSandboxes, waitFor } from '../helpers/red';
import { secondShop, twoShopCredentials, twoShopFlow } from '../helpers/product-sync-sandboxes';

const nodes = [dist('totalgest-config.js'), dist('framework360-config.js'), dist('tg-pull-products.js')];

describe('adversarial 12h: the refused pull node shows it from the deploy on', function () {
  this.timeout(30_000);
  const env = nodeRedWithSandboxes('tg-12h-status-', { articles: 20 });
  const shop2 = secondShop();

  const flow = (pulls: Array<{ id: string; fw: string }>) =>
    twoShopFlow({ tg: env.tg.url, shop1: env.fw.url, shop2: shop2.fw.url }, pulls);
  const creds = twoShopCredentials;
  /** The last status the node `id` (the current instance) was given. */
  const lastStatus = (id: string): { fill?: string; text?: string } | undefined => {
    const node = helper.getNode(id);
    const calls = (node.status as unknown as { getCalls(): Array<{ thisValue: unknown; args: any[] }> }).getCalls();
    return calls.filter((c) => c.thisValue === node).at(-1)?.args[0];
  };

  it('is red after a deploy that creates it before the owner, and clears when the owner goes', async () => {
    await helper.load(nodes, flow([{ id: 'p1', fw: 'f1' }]), creds);
    const out: unknown[] = [];
    helper.getNode('p1-out').on('input', (m: unknown) => out.push(m));
    helper.getNode('p1').receive({});
    await waitFor(() => out.length === 1);

    await helper.setFlows(
      flow([
        { id: 'p2', fw: 'f2' },
        { id: 'p1', fw: 'f1' },
      ]),
      'full',
      creds,
    );
    assert.equal(lastStatus('p2')?.fill, 'red', 'p2 is refused but shows nothing');
    assert.match(lastStatus('p2')?.text ?? '', /sends this TotalGest connection/);

    // The owner is deleted: p2 would now run; its status must not say it is refused.
    await helper.setFlows(flow([{ id: 'p2', fw: 'f2' }]), 'nodes', creds);
    assert.doesNotMatch(lastStatus('p2')?.text ?? '', /sends this TotalGest connection/);
  });
});
