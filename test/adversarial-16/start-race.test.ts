import assert from 'node:assert/strict';
import { control } from '../helpers/sandboxes';
import { dist, helper, nodeRedWithSandboxes, waitFor } from '../helpers/red';

const nodes = [dist('totalgest-config.js')];
const creds = { c1: { username: 'demo', password: 'demo-password' } };

describe('adversarial review of issue 16: a connection stopped right after it started', function () {
  this.timeout(30_000);
  const env = nodeRedWithSandboxes('tg-adv16-start-');
  const flow = (concurrency: number) => [
    {
      id: 'c1',
      type: 'totalgest-config',
      endpoint: env.tg.url,
      shopId: 'demo-shop',
      ownerId: 'demo-owner',
      concurrency,
    },
  ];
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown): void => void rejections.push(reason);
  beforeEach(() => process.on('unhandledRejection', onRejection));
  afterEach(() => process.off('unhandledRejection', onRejection));

  it('R16-7: the shop lookup started at deploy ends after the redeploy closed its database: no unhandled rejection', async () => {
    // TotalGest answers slowly: the start's login and shop lookup are still running when the config node is redeployed.
    await control(env.tg.url, '/_sandbox/faults', { latencyMs: 400 });
    await helper.load(nodes, flow(4), creds);
    await waitFor(
      () => env.tg.requests.some((r) => r.method === 'GET' && r.path.endsWith('/shops/demo-shop')),
      5000,
      "the start's shop lookup to reach TotalGest",
    );
    await (helper as any).setFlows(flow(5), 'nodes', creds);
    // The positive signal: the new connection recorded the shop's currency; the old connection's lookup,
    // in flight before the redeploy and 800 ms ahead on the same slow server, was answered (and handled) before it.
    const store = helper.getNode('c1').connection().orders;
    await waitFor(
      () => rejections.length > 0 || store.meta('totalgest.shopCurrency') !== undefined,
      10_000,
      'the shop lookups to be answered',
    );
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(rejections.map(String), []);
  });
});
