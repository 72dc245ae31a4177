import assert from 'node:assert/strict';
import type { NodeAPI } from 'node-red';
import sinon from 'sinon';
import { signBody } from '../../src/framework360/signature';
import { fixtures } from '../helpers/fixtures';
import { httpNodeServer } from '../helpers/http-node-server';
import { helper, nodeRedWithSandboxes } from '../helpers/red';
import { WEBHOOK_PATH, webhookFlow, webhookModules } from '../helpers/webhook-flow';

const SECRET = 'whsec-final-review-5d1';

/**
 * The webhook through the real `http in` → tg-push-order → `http response`: a thrown refusal is answered
 * with a copy of the message without its payload (it must keep req/res, also for a large body; Catch nodes
 * get the message as it came), and a refused sweep setting
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

  async function start(push: Record<string, unknown>, opts: { catchTo?: string; extra?: unknown[] } = {}) {
    const flow = webhookFlow({ endpoint: env.tg.url, siteUrl: env.fw.url, skipBodyParsing: true, push });
    // A Catch node scoped to the push node, wired to a helper the test listens on.
    if (opts.catchTo)
      flow.push(
        { id: 'ca', type: 'catch', scope: ['p1'], uncaught: false, wires: [[opts.catchTo]] },
        { id: opts.catchTo, type: 'helper' },
      );
    await helper.load(webhookModules(web.capture, opts.extra), flow, {
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

  afterEach(() => sinon.restore());

  it('a refused webhook: the answer copies the message but not its payload; Catch gets the order as it came', async () => {
    // Every deep copy made in the runtime, with where it was made from (the runtime's own, for Catch, included).
    const clones: Array<{ keys: string[]; stack: string }> = [];
    const spyClones = (RED: NodeAPI): void => {
      const clone = RED.util.cloneMessage.bind(RED.util);
      sinon.replace(RED.util, 'cloneMessage', (m) => {
        clones.push({ keys: Object.keys(m).sort(), stack: new Error().stack ?? '' });
        return clone(m);
      });
    };
    await start({ mode: 'bogus' }, { catchTo: 'caught', extra: [spyClones] });
    const caught = new Promise<Record<string, any>>((r) => helper.getNode('caught').once('input', r));
    const big = order(9401, { note: 'x'.repeat(2_000_000) });
    const r = await deliver(big);
    assert.equal(r.status, 500, JSON.stringify(r.body).slice(0, 200));
    assert.match(r.body.error ?? '', /^mode: /);
    const c = await caught;
    // Catch: the message as it came, the raw body of the order included, and the error naming the setting.
    assert.equal((JSON.parse(String(c.payload)) as { data: { id: number } }).data.id, 9401);
    assert.match(String(c.error?.message), /mode: must be queue or wait/);
    assert.equal(typeof c.req, 'object');
    // The push node never hands the order to cloneMessage: it copies the rest, then sets the answer.
    const fromPush = clones.filter((c) => /[/\\]tg-push-order\.[jt]s:/.test(c.stack)).map((c) => c.keys);
    assert.ok(fromPush.length > 0, 'the answer is still a copy of the message');
    for (const keys of fromPush) assert.deepEqual(keys, ['_msgid', 'req', 'res'], keys.join());
    assert.equal(stored(9401), undefined);
  });

  it('the refusal answer keeps req/res and copies the other properties; Catch keeps them as they were', async () => {
    await start({ mode: 'bogus' }, { catchTo: 'caught' });
    const p1 = helper.getNode('p1');
    // The push node's output goes to `http response`: listen on the node's send instead.
    const answered = new Promise<Record<string, any>>((resolve) => {
      const orig = p1.send.bind(p1);
      p1.send = (m: Record<string, any>) => {
        resolve(m);
        return orig(m);
      };
    });
    const caught = new Promise<Record<string, any>>((r) => helper.getNode('caught').once('input', r));
    const res = { _res: { status: () => ({ send: () => undefined }) } };
    // A signed delivery, refused for the node's setting (the signature passes): the error path answers it.
    const payload = JSON.stringify({
      event: 'order.completed',
      site: 'demo',
      sentAt: new Date().toISOString(),
      data: order(9501),
    });
    const req = { headers: { 'x-fw360-delivery': 'd-9501', 'x-fw360-signature': signBody(SECRET, payload) } };
    const meta = { shop: 'demo', tags: ['a'] };
    p1.receive({ payload, topic: 'order', meta, req, res });
    const [a, c] = await Promise.all([answered, caught]);
    assert.equal(a.req, req, 'req is the same object (http response needs it)');
    assert.equal(a.res, res, 'res is the same object');
    assert.deepEqual([a.topic, a.meta], ['order', meta]);
    assert.notEqual(a.meta, meta, 'the other properties are copies, as cloneMessage made them');
    assert.deepEqual([a.statusCode, a.payload], [500, { error: 'mode: must be queue or wait (got "bogus")' }]);
    assert.match(String(c.error?.message), /mode: must be queue or wait \(got "bogus"\)/);
    assert.deepEqual([c.payload, c.topic, c.meta], [payload, 'order', meta]);
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
