import assert from 'node:assert/strict';
import { signBody } from '../../src/framework360/signature';
import { helper, nodeRedWithSandboxes } from '../helpers/red';
import { fixtures } from '../helpers/fixtures';
import { httpNodeServer } from '../helpers/http-node-server';
import { WEBHOOK_PATH, webhookFlow, webhookModules } from '../helpers/webhook-flow';

const SECRET = 'whsec-fail-closed-71c3';

/**
 * The webhook as Framework360 reaches it: a real `http in` node (skip body parsing) → tg-push-order
 * → `http response`, on Node-RED's HTTP node app served on loopback. Under every
 * misconfiguration an unsigned or forged webhook is refused: the answer says why, nothing is
 * stored and nothing reaches TotalGest.
 */
describe('webhook fails closed (through the real http in node)', function () {
  this.timeout(30_000);
  const env = nodeRedWithSandboxes('tg-webhook-sec-');
  const web = httpNodeServer();
  let url = '';

  const order = () => structuredClone(fixtures.find(([f]) => f.startsWith('01'))![1].order) as { id: number };

  async function start(opts: {
    push?: Record<string, unknown>;
    fw?: Record<string, unknown> | null;
    fwCreds?: Record<string, string>;
  }) {
    const { push, fw } = opts;
    const flow = webhookFlow({ endpoint: env.tg.url, siteUrl: env.fw.url, skipBodyParsing: true, push, fw });
    await helper.load(webhookModules(web.capture), flow, {
      c1: { username: 'demo', password: 'demo-password' },
      f1: opts.fwCreds ?? { apiKey: 'demo-key', webhookSecret: SECRET },
    });
    url = `${await web.listen()}${WEBHOOK_PATH}`;
  }

  async function deliver(o: { id: number }, sign: 'good' | 'forged' | 'none', secret = SECRET) {
    const body = JSON.stringify({ event: 'order.completed', site: 'demo', sentAt: new Date().toISOString(), data: o });
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'X-Fw360-Delivery': `d-${o.id}-${sign}`,
    };
    if (sign === 'good') headers['X-Fw360-Signature'] = signBody(secret, body);
    if (sign === 'forged') headers['X-Fw360-Signature'] = signBody('a-guess', body);
    const res = await fetch(url, { method: 'POST', headers, body });
    return { status: res.status, body: (await res.json()) as { error?: string; outcome?: string } };
  }

  const stored = (id: number) => helper.getNode('c1').connection().exporter.store.get(String(id)) as unknown;
  const createOrders = () => env.tg.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/orders'));

  /** What the node told Catch nodes (the cause; the caller gets less). */
  const caught = (): string[] =>
    (helper.getNode('p1').error as unknown as { args: unknown[][] }).args.map((a) => String(a[0]));
  const GENERIC_500 = /^webhook refused: the signature cannot be checked \(see the node in Node-RED\)$/;

  /** Unsigned and forged: the expected answer each, nothing stored, nothing sent. */
  async function assertRefused(expected: { status: number; error: RegExp }) {
    for (const sign of ['none', 'forged'] as const) {
      const o = order();
      const r = await deliver(o, sign);
      assert.equal(
        r.status,
        sign === 'forged' && expected.status === 401 ? 401 : expected.status,
        `${sign}: ${JSON.stringify(r.body)}`,
      );
      if (sign === 'none' || expected.status !== 401) assert.match(r.body.error ?? '', expected.error, sign);
      assert.equal(stored(o.id), undefined, `${sign}: nothing stored`);
    }
    assert.deepEqual(createOrders(), [], 'nothing sent to TotalGest');
    assert.deepEqual(env.tg.orders, []);
  }

  it('no Framework360 connection selected: 500 (the cause to Catch, not to the caller), nothing stored', async () => {
    await start({ push: { framework360: '' }, fw: null });
    await assertRefused({ status: 500, error: GENERIC_500 });
    assert.match(
      caught()[0] ?? '',
      /^Error: webhook refused: the signature cannot be checked: no Framework360 connection selected on the node$/,
    );
    const signed = await deliver(order(), 'good');
    assert.equal(signed.status, 500, 'not even a signature can be checked without the secret');
  });

  it('the selected connection does not exist: 500', async () => {
    await start({ push: { framework360: 'gone' }, fw: null });
    await assertRefused({ status: 500, error: GENERIC_500 });
    assert.match(caught()[0] ?? '', /the selected Framework360 connection \(gone\) does not exist/);
  });

  it('the connection has no webhook secret (unset, or credentials unreadable): 500', async () => {
    await start({ fwCreds: { apiKey: 'demo-key' } });
    await assertRefused({ status: 500, error: GENERIC_500 });
    assert.match(caught()[0] ?? '', /the Framework360 connection "f1" has no webhook secret/);
  });

  for (const [what, fw, creds] of [
    ['an empty site URL', { siteUrl: '' }, { apiKey: 'demo-key', webhookSecret: SECRET }],
    ['an http:// site URL', { siteUrl: 'http://shop.example.ch' }, { apiKey: 'demo-key', webhookSecret: SECRET }],
    ['no API key', {}, { webhookSecret: SECRET }],
  ] as const) {
    it(`a connection with ${what}: the secret is still read, unsigned and forged get 401, signed is accepted`, async () => {
      await start({ fw, fwCreds: creds });
      assert.ok(helper.getNode('f1').configError, 'the connection is misconfigured');
      await assertRefused({ status: 401, error: /^webhook refused: X-Fw360-Signature header is missing$/ });
      const o = order();
      const good = await deliver(o, 'good');
      assert.deepEqual([good.status, good.body.outcome], [202, 'queued']);
      assert.notEqual(stored(o.id), undefined);
    });
  }

  it('a correctly configured connection: unsigned and forged 401, signed 202', async () => {
    await start({});
    await assertRefused({ status: 401, error: /^webhook refused: X-Fw360-Signature header is missing$/ });
    const forged = await deliver(order(), 'forged');
    assert.equal(forged.body.error, 'webhook refused: X-Fw360-Signature does not match the body');
    assert.equal((await deliver(order(), 'good')).status, 202);
  });

  it('"accept unsigned webhooks (testing only)": unsigned accepted, a forged signature still refused; yellow status and a warning at deploy', async () => {
    await start({ push: { acceptUnsigned: true } });
    const p1 = helper.getNode('p1');
    const warned = (p1.warn.getCalls() as Array<{ args: unknown[] }>).map((c) => c.args[0]);
    assert.deepEqual(warned, [
      'accepting unsigned webhooks (testing only): anyone who can reach the webhook URL can queue orders',
    ]);
    const status = (p1.status.getCalls() as Array<{ args: Array<{ fill?: string; text?: string }> }>).at(-1)!.args[0]!;
    assert.deepEqual([status.fill, status.text], ['yellow', 'unsigned webhooks accepted · 0 queued']);
    const o = order();
    const unsigned = await deliver(o, 'none');
    assert.deepEqual([unsigned.status, unsigned.body.outcome], [202, 'queued']);
    assert.notEqual(stored(o.id), undefined);
    const f = order();
    f.id += 1;
    const forged = await deliver(f, 'forged');
    assert.deepEqual(
      [forged.status, forged.body.error],
      [401, 'webhook refused: X-Fw360-Signature does not match the body'],
    );
    assert.equal(stored(f.id), undefined);
  });

  it('"accept unsigned" without any connection: unsigned accepted, a signature that cannot be checked refused', async () => {
    await start({ push: { acceptUnsigned: true, framework360: '' }, fw: null });
    const o = order();
    assert.equal((await deliver(o, 'none')).status, 202);
    const s = order();
    s.id += 2;
    const signed = await deliver(s, 'good');
    assert.equal(signed.status, 401);
    assert.match(signed.body.error ?? '', /has no webhook secret to check it/);
    assert.equal(stored(s.id), undefined);
  });
});
