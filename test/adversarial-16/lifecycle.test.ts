import assert from 'node:assert/strict';
import { control } from '../helpers/sandboxes';
import { helper, nodeRedWithSandboxes, waitFor } from '../helpers/red';
import { pushOrderCredentials, pushOrderFlow, pushOrderNodes } from '../helpers/push-order-flow';

const creds = pushOrderCredentials('sek');

describe('adversarial review of issue 16: connection lifecycle', function () {
  this.timeout(60_000);
  const env = nodeRedWithSandboxes('tg-adv16-life-');

  const flow = (concurrency = 8) =>
    pushOrderFlow(env, { connection: { concurrency }, push: { reconcileStatuses: '3', reconcileDays: 7 } });
  const listings = () => env.fw.requests.filter((r) => r.path.endsWith('/orders/list')).length;

  it('R16-1: stop() during a reconcile sweep that Framework360 holds off (503 + Retry-After) does not wait out the retries', async () => {
    await helper.load(pushOrderNodes, flow(), creds);
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
  it("R16-2: a push node redeployed on its own (modified nodes) during a sweep: the closed node's sweep does not go on", async () => {
    await helper.load(pushOrderNodes, flow(), creds);
    const connection = helper.getNode('c1').connection();
    const sweeps = (connection as unknown as { tracked: Set<unknown> }).tracked;
    await control(env.fw.url, '/_sandbox/faults', { status: 503, retryAfter: 4, path: '/orders/list', count: 1 });
    helper.getNode('p1').receive({ topic: 'reconcile', payload: {} });
    await waitFor(() => listings() === 1, 10_000, 'the sweep to ask Framework360 for the first page');
    assert.equal(sweeps.size, 1);
    // The person narrows the push node's reconcile statuses and deploys only that node; the connection stays.
    const changed = flow().map((n) => (n.id === 'p1' ? { ...n, reconcileStatuses: '4' } : n));
    await (helper as any).setFlows(changed, 'nodes', creds);
    assert.equal(helper.getNode('c1').connection(), connection, 'the connection was not redeployed');
    // Positive signals on both sides: the closed node's sweep ends, or it lists Framework360 again (old statuses).
    await waitFor(() => sweeps.size === 0 || listings() > 1, 30_000, 'the old sweep to end or to go on');
    assert.equal(listings(), 1, "the closed push node's sweep went on listing Framework360 with its old settings");
  });
  it('R16-4: a reconcile with a since that is not a date is a bad input (400), not "unavailable, redeliver" (503)', async () => {
    await helper.load(pushOrderNodes, flow(), creds);
    const answer = new Promise<{ statusCode?: number; payload: { error?: string } }>((resolve) =>
      helper.getNode('out').once('input', resolve),
    );
    helper.getNode('p1').receive({ topic: 'reconcile', payload: { since: 'yesterday' } });
    const m = await answer;
    assert.match(String(m.payload.error), /since/);
    assert.equal(m.statusCode, 400, `answered ${m.statusCode}: ${m.payload.error}`);
    assert.equal(listings(), 0);
  });
});
