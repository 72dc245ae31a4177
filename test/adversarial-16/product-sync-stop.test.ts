import assert from 'node:assert/strict';
import { control } from '../helpers/sandboxes';
import { dist, helper, nodeRedWithSandboxes, waitFor } from '../helpers/red';

const nodes = [dist('totalgest-config.js'), dist('framework360-config.js'), dist('tg-pull-products.js')];
const creds = { c1: { username: 'demo', password: 'demo-password' }, f1: { apiKey: 'demo-key' } };

describe('adversarial review of issue 16: stopping a connection during a product sync', function () {
  this.timeout(60_000);
  const env = nodeRedWithSandboxes('tg-adv16-sync-', { articles: 50 });

  const flow = (concurrency = 8) => [
    {
      id: 'c1',
      type: 'totalgest-config',
      endpoint: env.tg.url,
      shopId: 'demo-shop',
      ownerId: 'demo-owner',
      concurrency,
    },
    { id: 'f1', type: 'framework360-config', siteUrl: env.fw.url },
    { id: 'p1', type: 'tg-pull-products', connection: 'c1', framework360: 'f1', pageSize: 10, wires: [[], []] },
  ];
  const articleReads = () => env.tg.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/articles')).length;

  it("R16-5: stop() while the sync waits out TotalGest's Retry-After on the article feed does not wait for the retries", async () => {
    await helper.load(nodes, flow(), creds);
    // TotalGest is busy: the article feed answers 503 with Retry-After: 4 s, a few times.
    await control(env.tg.url, '/_sandbox/faults', { status: 503, retryAfter: 4, path: '/articles', count: 3 });
    helper.getNode('p1').receive({ payload: 'go' });
    await waitFor(() => articleReads() === 1, 10_000, 'the sync to ask TotalGest for the first page');
    let redeployed = false;
    const redeploy = (helper as any)
      .setFlows(flow(4), 'nodes', creds)
      .then(() => (redeployed = true)) as Promise<unknown>;
    // Positive signals on both sides: the redeploy ends, or the stopping sync reads the feed again.
    await waitFor(() => redeployed || articleReads() > 1, 30_000, 'the redeploy or the next feed read');
    assert.equal(redeployed, true, 'the stopping connection waited for its product sync to retry TotalGest');
    await redeploy;
  });
});
