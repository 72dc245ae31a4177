import assert from 'node:assert/strict';
import { control } from '../helpers/sandboxes';
import { dist, helper, nodeRedWithSandboxes, waitFor } from '../helpers/red';

const nodes = [dist('totalgest-config.js'), dist('framework360-config.js'), dist('tg-push-order.js')];
const creds = { c1: { username: 'demo', password: 'demo-password' }, f1: { apiKey: 'demo-key', webhookSecret: 'sek' } };

describe('adversarial review of issue 16: connection lifecycle', function () {
  this.timeout(60_000);
  const env = nodeRedWithSandboxes('tg-adv16-life-');

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
    {
      id: 'p1',
      type: 'tg-push-order',
      connection: 'c1',
      framework360: 'f1',
      mode: 'queue',
      reconcileStatuses: '3',
      reconcileDays: 7,
      wires: [['out']],
    },
    { id: 'out', type: 'helper' },
  ];
  const listings = () => env.fw.requests.filter((r) => r.path.endsWith('/orders/list')).length;

  it('R16-1: stop() during a reconcile sweep that Framework360 holds off (503 + Retry-After) does not wait out the retries', async () => {
    await helper.load(nodes, flow(), creds);
    // Framework360 is busy: it answers the listing with 503 and Retry-After: 4 s, a few times.
    await control(env.fw.url, '/_sandbox/faults', { status: 503, retryAfter: 4, path: '/orders/list', count: 3 });
    helper.getNode('p1').receive({ topic: 'reconcile', payload: {} });
    await waitFor(() => listings() === 1, 10_000, 'the sweep to ask Framework360 for the first page');
    // The config node is changed and redeployed (modified nodes): its connection stops.
    let redeployed = false;
    const redeploy = (helper as any)
      .setFlows(flow(4), 'nodes', creds)
      .then(() => (redeployed = true)) as Promise<unknown>;
    // Positive signals on both sides: the redeploy ends, or the aborted sweep's next listing arrives.
    await waitFor(() => redeployed || listings() > 1, 30_000, 'the redeploy or the next listing');
    assert.equal(
      redeployed,
      true,
      'the stopping connection kept its sweep retrying Framework360 (Retry-After sleep not aborted by stop())',
    );
    await redeploy;
  });
});
