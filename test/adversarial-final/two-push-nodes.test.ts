import assert from 'node:assert/strict';
import { fixtures } from '../helpers/fixtures';
import { pushOrderCredentials, pushOrderFlow, pushOrderNode, pushOrderNodes } from '../helpers/push-order-flow';
import { helper, nodeRedWithSandboxes } from '../helpers/red';

/**
 * Two push nodes on one connection: p0 (deployed first) is the background reporter, p1 waits for its order
 * (mode wait). The order fails: p1's report tells of it; p0 must not raise it to Catch a second time.
 */
describe('adversarial-final: two push nodes, an order the non-reporting one waits for', function () {
  this.timeout(30_000);
  const env = nodeRedWithSandboxes('tg-final-two-');

  it('the failure reaches Catch once (from p1’s report), not also from the reporter p0', async () => {
    const flow = pushOrderFlow(env, { push: { mode: 'wait' } });
    flow.splice(2, 0, pushOrderNode({ id: 'p0', wires: [[]] }));
    await helper.load(pushOrderNodes, flow, pushOrderCredentials('whsec-two'));
    const raised: { p0: string[]; p1: string[] } = { p0: [], p1: [] };
    for (const id of ['p0', 'p1'] as const)
      helper.getNode(id).on('call:error', (call: { args: unknown[] }) => raised[id].push(String(call.args[0])));
    const base = structuredClone(fixtures.find(([f]) => f.startsWith('01'))![1].order) as { carrello: object[] };
    const order = { ...base, carrello: [{ ...base.carrello[0], sku: 'GHOST-1' }] };
    const answer = new Promise<{ payload: { failed: number } }>((r) => helper.getNode('out').once('input', r));
    helper.getNode('p1').receive({ payload: [order] });
    const a = await answer;
    assert.equal(a.payload.failed, 1, JSON.stringify(a.payload));
    // The transition to failed came (synchronously raised, if at all) before the report was sent.
    assert.equal(helper.getNode('c1').connection().orders.get('10452')?.state, 'failed');
    assert.equal(raised.p1.length, 1, raised.p1.join('\n'));
    assert.deepEqual(raised.p0, [], 'p0 raised the order p1 was waiting for');
  });
});
