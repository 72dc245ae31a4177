/**
 * Review R-13 (issue 13, "secure by default"): the webhook as an attacker who only knows the URL
 * reaches it — a real `http in` → tg-push-order → `http response` on Node-RED's HTTP node app,
 * real HTTP on loopback, the TotalGest and Framework360 sandboxes behind. Each test asserts what
 * the issue promises ("a webhook request is accepted only with a valid signature"); a failing
 * test is a proven defect.
 */
import assert from 'node:assert/strict';
import { signBody } from '../../src/framework360/signature';
import { helper, nodeRedWithSandboxes, waitFor } from '../helpers/red';
import { fixtures } from '../helpers/fixtures';
import { httpNodeServer } from '../helpers/http-node-server';
import { webhookFlow, webhookModules } from '../helpers/webhook-flow';

const SECRET = 'whsec-r13-4f1e';

describe('security regressions found by adversarial review: webhook: requests without a signature that still queue orders', function () {
  this.timeout(30_000);
  const env = nodeRedWithSandboxes('tg-r13-hook-');
  const web = httpNodeServer();
  let base = '';

  const order = (id: number) => ({
    ...(structuredClone(fixtures.find(([f]) => f.startsWith('01'))![1].order) as Record<string, unknown>),
    id,
  });

  const flow = (skipBodyParsing: boolean, fw?: Record<string, unknown>) =>
    webhookFlow({ endpoint: env.tg.url, siteUrl: env.fw.url, skipBodyParsing, fw });

  async function start(skipBodyParsing: boolean) {
    await helper.load(webhookModules(web.capture), flow(skipBodyParsing), {
      c1: { username: 'demo', password: 'demo-password' },
      f1: { apiKey: 'demo-key', webhookSecret: SECRET },
    });
    base = await web.listen();
  }

  const post = async (path: string, body: string, contentType = 'application/json') => {
    const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'Content-Type': contentType }, body });
    return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
  };
  const stored = (id: number) => helper.getNode('c1').connection().exporter.store.get(String(id)) as unknown;
  const sent = () => env.tg.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/orders'));

  /** The promise: no signature → refused (4xx/5xx), nothing stored, nothing sent. Waits for the worker if it did queue. */
  async function assertRefused(r: { status: number; body: Record<string, unknown> }, id: number) {
    const accepted = r.status < 400;
    if (accepted)
      await waitFor(() => sent().length > 0, 5000, 'the forged order reaching TotalGest').catch(() => undefined);
    assert.ok(
      !accepted && stored(id) === undefined && sent().length === 0,
      `unsigned request answered ${r.status} ${JSON.stringify(r.body)}; stored: ${stored(id) !== undefined}; POSTs to TotalGest: ${sent().length}`,
    );
  }

  it('W1: "skip body parsing" ON (the documented set-up), URL in another case (/FW360/Webhook): a bare JSON order without signature is exported', async () => {
    await start(true);
    // Express matches routes case-insensitively, but http in's raw-body capture looks up the exact path:
    // the JSON parser runs, the payload is an object without "event", and tg-push-order takes it as a flow's order.
    const r = await post('/FW360/Webhook', JSON.stringify(order(770001)));
    await assertRefused(r, 770001);
  });

  it('W2: body parsing on (the case readWebhook names itself): a bare JSON order without signature is exported', async () => {
    await start(false);
    const r = await post('/fw360/webhook', JSON.stringify(order(770002)));
    await assertRefused(r, 770002);
  });

  it('W3: body parsing on: a JSON array of orders without signature is exported', async () => {
    await start(false);
    const r = await post('/fw360/webhook', JSON.stringify([order(770003)]));
    await assertRefused(r, 770003);
  });

  it('W4: body parsing on: {"orderIds":[…]} without signature makes the node fetch and export shop orders', async () => {
    await start(false);
    const { order: placed } = env.fw.placeOrder({}, false);
    const r = await post('/fw360/webhook', JSON.stringify({ orderIds: [placed.id] }));
    await assertRefused(r, Number(placed.id));
  });

  it('held: the webhook secret rotated with a "modified nodes" deploy of the Framework360 connection alone: the old secret is refused', async () => {
    await start(true);
    // As the editor deploys a changed credential: inside the node, so the runtime sees the node as changed.
    const rotated = flow(true, { credentials: { webhookSecret: 'rotated-secret' } });
    await helper.setFlows(rotated, 'nodes');
    const body = JSON.stringify({
      event: 'order.completed',
      site: 'demo',
      sentAt: new Date().toISOString(),
      data: order(770006),
    });
    const res = await fetch(`${base}/fw360/webhook`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Fw360-Signature': signBody(SECRET, body) },
      body,
    });
    assert.equal(res.status, 401, await res.text());
    const ok = await fetch(`${base}/fw360/webhook`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Fw360-Signature': signBody('rotated-secret', body) },
      body,
    });
    assert.equal(ok.status, 202, await ok.text());
  });

  it('held: signature variants (upper-case scheme or hex, sha1=, empty, two headers, truncated body) are refused; surrounding blanks are tolerated', async () => {
    await start(true);
    const body = JSON.stringify({
      event: 'order.completed',
      site: 'demo',
      sentAt: new Date().toISOString(),
      data: order(770007),
    });
    const good = signBody(SECRET, body);
    const hex = good.slice('sha256='.length);
    const variants: Array<[string, Record<string, string> | Array<[string, string]>, string?]> = [
      ['upper scheme', { 'X-Fw360-Signature': `SHA256=${hex}` }],
      ['upper hex', { 'X-Fw360-Signature': `sha256=${hex.toUpperCase()}` }],
      ['sha1', { 'X-Fw360-Signature': `sha1=${hex.slice(0, 40)}` }],
      ['empty', { 'X-Fw360-Signature': '' }],
      [
        'two headers',
        [
          ['X-Fw360-Signature', good],
          ['X-Fw360-Signature', good],
        ],
      ],
      ['truncated body', { 'X-Fw360-Signature': good }, body.slice(0, -1)],
      ['bare hex', { 'X-Fw360-Signature': hex }],
    ];
    for (const [what, headers, b] of variants) {
      const h = new Headers(headers as HeadersInit);
      h.set('Content-Type', 'application/json');
      const res = await fetch(`${base}/fw360/webhook`, { method: 'POST', headers: h, body: b ?? body });
      assert.ok([400, 401].includes(res.status), `${what}: ${res.status} ${await res.text()}`);
    }
    assert.equal(stored(770007), undefined);
    const spaced = await fetch(`${base}/fw360/webhook`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Fw360-Signature': ` ${good} ` },
      body,
    });
    assert.equal(spaced.status, 202);
  });

  it('held: "skip body parsing" ON, exact URL: the bare order is read as a webhook and refused 400/401', async () => {
    await start(true);
    const r = await post('/fw360/webhook', JSON.stringify(order(770005)));
    assert.ok([400, 401].includes(r.status), JSON.stringify(r));
    assert.equal(stored(770005), undefined);
    assert.deepEqual(sent(), []);
  });
});
