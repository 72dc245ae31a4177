import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { dist, helper, nodeRedWithSandboxes } from '../helpers/red';

/**
 * Adversarial review of the settings schemas (issue 16): a setting from a flow JSON (hand-written,
 * generated, imported) may be a number where the editor stores text. A list setting given as a
 * number must mean that number (or be refused, naming it) — never silently become the default.
 */
const nodes = [dist('totalgest-config.js'), dist('tg-push-order.js')];
const order = (
  JSON.parse(readFileSync(path.join(__dirname, '../../test/fixtures/orders/01-card-simple.json'), 'utf8')) as {
    order: { stato: { id: number; nome: string } };
  }
).order;

describe('adversarial 15: list settings given as numbers in a flow JSON', function () {
  this.timeout(30_000);
  const env = nodeRedWithSandboxes('tg-adv15-set-');

  it('cancelledStatuses: 7 (a number) skips an order in status 7 as cancelled', async () => {
    await helper.load(
      nodes,
      [
        { id: 'c1', type: 'totalgest-config', endpoint: env.tg.url, shopId: 'demo-shop', ownerId: 'demo-owner' },
        {
          id: 'p1',
          type: 'tg-push-order',
          connection: 'c1',
          mode: 'queue',
          dryRun: true,
          cancelledStatuses: 7,
          wires: [['out']],
        },
        { id: 'out', type: 'helper' },
      ],
      { c1: { username: 'demo', password: 'demo-password' } },
    );
    const refunded = { ...structuredClone(order), stato: { id: 7, nome: 'Rimborsato' } };
    const out = helper.getNode('out');
    const answer = new Promise<{ payload: { outcome: string } }>((resolve) => out.once('input', resolve));
    helper.getNode('p1').receive({ payload: refunded });
    const { payload } = await answer;
    // With the number dropped for the default ['5', 'Annullato'], the refunded order would be exported.
    assert.equal(payload.outcome, 'skipped', JSON.stringify(payload));
  });
});
