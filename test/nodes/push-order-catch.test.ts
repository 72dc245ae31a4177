import assert from 'node:assert/strict';
import { dist, helper, nodeRedWithSandboxes } from '../helpers/red';
import { demoCredentials } from '../helpers/sandboxes';

const nodes = [dist('totalgest-config.js'), dist('framework360-config.js'), dist('tg-push-order.js')];

/** A refused input: the flow gets the answer ({error} + statusCode), Catch nodes the message as it came. */
describe('tg-push-order: what Catch nodes get for a refused input', function () {
  this.timeout(30_000);
  const env = nodeRedWithSandboxes('tg-push-catch-');

  it('the answer carries {error}; the caught message still holds the input', async () => {
    await helper.load(
      nodes,
      [
        { id: 'c1', type: 'totalgest-config', endpoint: env.tg.url, shopId: 'demo-shop', ownerId: 'demo-owner' },
        { id: 'f1', type: 'framework360-config', siteUrl: env.fw.url },
        { id: 'p1', type: 'tg-push-order', connection: 'c1', framework360: 'f1', wires: [['answer']] },
        { id: 'ca', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
        { id: 'answer', type: 'helper' },
        { id: 'caught', type: 'helper' },
      ],
      { c1: { username: demoCredentials.username, password: demoCredentials.password } },
    );
    const answer = new Promise<Record<string, unknown>>((r) => helper.getNode('answer').once('input', r));
    const caught = new Promise<Record<string, unknown>>((r) => helper.getNode('caught').once('input', r));
    helper.getNode('p1').receive({ payload: 'not an order', topic: 'manual' });
    const [a, c] = await Promise.all([answer, caught]);
    assert.equal(a.statusCode, 400, JSON.stringify(a.payload));
    assert.match(String((a.payload as { error: string }).error), /msg\.payload must be a Framework360 order/);
    assert.equal(c.payload, 'not an order');
    assert.equal(c.topic, 'manual');
    assert.match(String((c.error as { message: string }).message), /msg\.payload must be a Framework360 order/);
  });
});
