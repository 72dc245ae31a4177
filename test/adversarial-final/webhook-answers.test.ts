import assert from 'node:assert/strict';
import { signBody } from '../../src/framework360/signature';
import { fixtures } from '../helpers/fixtures';
import { httpNodeServer } from '../helpers/http-node-server';
import { helper, nodeRedWithSandboxes } from '../helpers/red';
import { WEBHOOK_PATH, webhookFlow, webhookModules } from '../helpers/webhook-flow';

const SECRET = 'whsec-final-review-5d1';

/**
 * The webhook through the real `http in` → tg-push-order → `http response`: a thrown refusal is answered
 * with a clone of the message (it must keep req/res, also for a large body), and a refused sweep setting
 * (reconcileDays) alone refuses only the sweep, also when another setting is refused too.
 */
describe('adversarial-final: webhook answers on refusal; a refused sweep setting', function () {
  this.timeout(30_000);
  const env = nodeRedWithSandboxes('tg-final-wh-');
  const web = httpNodeServer();
  let url = '';

  const order = (id: number, extra: Record<string, unknown> = {}) => ({
    ...(structuredClone(fixtures.find(([f]) => f.startsWith('01'))![1].order) as Record<string, unknown>),
    id,
    ...extra,
  });

  async function start(push: Record<string, unknown>) {
    const flow = webhookFlow({ endpoint: env.tg.url, siteUrl: env.fw.url, skipBodyParsing: true, push });
    await helper.load(webhookModules(web.capture), flow, {
      c1: { username: 'demo', password: 'demo-password' },
      f1: { apiKey: 'demo-key', webhookSecret: SECRET },
    });
    url = `${await web.listen()}${WEBHOOK_PATH}`;
  }

  async function deliver(o: Record<string, unknown>) {
    const body = JSON.stringify({ event: 'order.completed', site: 'demo', sentAt: new Date().toISOString(), data: o });
    const headers = {
      'Content-Type': 'application/json',
      'X-Fw360-Delivery': `d-${String(o.id)}`,
      'X-Fw360-Signature': signBody(SECRET, body),
    };
    const res = await fetch(url, { method: 'POST', headers, body });
    return { status: res.status, body: (await res.json()) as { error?: string; outcome?: string } };
  }

  const stored = (id: number) => helper.getNode('c1').connection().exporter.store.get(String(id)) as unknown;

  it('a refused setting (not the sweep): the signed webhook is answered 500 naming it, also with a large body', async () => {
    await start({ mode: 'bogus' });
    const small = await deliver(order(9101));
    assert.equal(small.status, 500, JSON.stringify(small.body));
    assert.match(small.body.error ?? '', /mode/);
    const big = await deliver(order(9102, { note: 'x'.repeat(2_000_000) }));
    assert.equal(big.status, 500, JSON.stringify(big.body).slice(0, 200));
    assert.match(big.body.error ?? '', /mode/);
    assert.equal(stored(9101), undefined);
    assert.equal(stored(9102), undefined);
  });

  it('reconcileDays refused alone: the webhook is stored (202), the sweep refused naming reconcileDays', async () => {
    await start({ reconcileDays: 0 });
    const r = await deliver(order(9201));
    assert.equal(r.status, 202, JSON.stringify(r.body));
    assert.notEqual(stored(9201), undefined);
    const p1 = helper.getNode('p1');
    const done = new Promise<unknown>((resolve) => {
      const orig = p1.error.bind(p1);
      p1.error = (e: unknown, m: unknown) => {
        resolve(e);
        return orig(e, m);
      };
    });
    p1.receive({ topic: 'reconcile', payload: {} });
    assert.match(String(await done), /reconcileDays/);
  });

  it('reconcileDays and mode both refused: every input refused naming mode (not silently queued)', async () => {
    await start({ reconcileDays: 0, mode: 'bogus' });
    const r = await deliver(order(9301));
    assert.equal(r.status, 500, JSON.stringify(r.body));
    assert.match(r.body.error ?? '', /mode/);
    assert.equal(stored(9301), undefined);
  });
});
