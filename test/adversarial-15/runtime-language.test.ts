import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { TotalGestSandbox } from '../../src/sandbox/totalgest-sandbox';
import { control, demoCredentials, startTotalGest } from '../helpers/sandboxes';
import { withNodeRed } from '../helpers/red-process';

/**
 * Adversarial review of the runtime language (issue 15): texts a node shows or raises that stay
 * English in an Italian runtime, in a real Node-RED (own process, settings.js `lang`).
 */
const root = path.join(__dirname, '../..');
const order = (
  JSON.parse(readFileSync(path.join(root, 'test/fixtures/orders/01-card-simple.json'), 'utf8')) as {
    order: { id: number };
  }
).order;

describe('adversarial 15: runtime texts that stay English in an Italian runtime', function () {
  this.timeout(120_000);
  let tg: TotalGestSandbox;
  before(async () => {
    assert.ok(existsSync(path.join(root, 'dist/nodes/tg-push-order.js')), 'run npm run build first');
    tg = await startTotalGest();
  });
  beforeEach(() => tg.reset());
  after(async () => tg.stop());

  it('orderIds on a push node without a Framework360 connection: the refusal reaches Catch in Italian', async () => {
    const flow = [
      { id: 'c1', type: 'totalgest-config', endpoint: tg.url, shopId: 'demo-shop', ownerId: 'demo-owner' },
      { id: 'p1', z: 't1', type: 'tg-push-order', connection: 'c1', wires: [['keep']] },
      {
        id: 'go',
        z: 't1',
        type: 'inject',
        once: true,
        onceDelay: 0.2,
        repeat: '',
        payload: '{"orderIds":["10452"]}',
        payloadType: 'json',
        wires: [['p1']],
      },
    ];
    await withNodeRed(
      { lang: 'it', flow, creds: { c1: { username: demoCredentials.username, password: demoCredentials.password } } },
      async (rt) => {
        const seen = await rt.until((p) => p.errors.p1 !== undefined, 'the refusal on Catch');
        // The same kind of refusal for reconcile is worded by the catalogue (input.reconcileNeedsFramework360).
        assert.doesNotMatch(seen.errors.p1!, /need a Framework360 connection: select one in the node/);
      },
    );
  });

  it("the push node's status names the last send in Italian, not with the worker's English words", async () => {
    const flow = [
      { id: 'c1', type: 'totalgest-config', endpoint: tg.url, shopId: 'demo-shop', ownerId: 'demo-owner' },
      { id: 'p1', z: 't1', type: 'tg-push-order', connection: 'c1', wires: [['keep']] },
      {
        id: 'go',
        z: 't1',
        type: 'inject',
        once: true,
        onceDelay: 0.5,
        repeat: '',
        payload: JSON.stringify(order),
        payloadType: 'json',
        wires: [['p1']],
      },
    ];
    // TotalGest answers 409 for a while: the worker keeps the order and tries again later.
    await control(tg.url, '/_sandbox/faults', { status: 409, path: '/orders', forSeconds: 60 });
    await withNodeRed(
      { lang: 'it', flow, creds: { c1: { username: demoCredentials.username, password: demoCredentials.password } } },
      async (rt) => {
        await rt.until(() => /✗/.test(rt.statuses.get('p1')?.text ?? ''), 'a failed send in the status');
        const text = rt.statuses.get('p1')!.text!;
        assert.match(text, /in coda/, text);
        assert.doesNotMatch(text, /trying again later/, text);
      },
    );
  });
});
