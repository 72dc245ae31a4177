import assert from 'node:assert/strict';
import { signBody } from '../../src/framework360/signature';
import { fixtures } from '../helpers/fixtures';
import { httpNodeServer } from '../helpers/http-node-server';
import { helper, nodeRedWithSandboxes } from '../helpers/red';
import { WEBHOOK_PATH, webhookFlow, webhookModules } from '../helpers/webhook-flow';

const SECRET = 'whsec-polish-copy-7a2';

/**
 * The refusal answer of tg-push-order is built as `cloneMessage({ ...msg } without payload)`. A shallow
 * spread is not the message: when the message refers to itself (a function node's `msg.self = msg`, a
 * parent link), the copy's `self` is the *original* message, which still holds payload, req and res, so
 * lodash deep-copies all three (the order the change meant not to copy, and the live request/response
 * objects); cloneMessage(msg) made `self` the copy itself. Real `http in` → function → tg-push-order
 * (a refused setting) → `http response`; the answer is read where the push node sends it.
 */
describe('adversarial-polish: the refusal answer of a message that refers to itself', function () {
  this.timeout(30_000);
  const env = nodeRedWithSandboxes('tg-polish-copy-');
  const web = httpNodeServer();

  it('the copy refers to itself (as cloneMessage made it), not to a deep copy of the request message', async () => {
    const flow = webhookFlow({
      endpoint: env.tg.url,
      siteUrl: env.fw.url,
      skipBodyParsing: true,
      push: { mode: 'bogus' },
    });
    // http in → a function node linking the message to itself → p1.
    const httpIn = flow.find((n) => n.id === 'in')!;
    httpIn.wires = [['fn']];
    flow.push({ id: 'fn', type: 'function', func: 'msg.self = msg; return msg;', outputs: 1, wires: [['p1']] });
    await helper.load(
      webhookModules(web.capture, [require('@node-red/nodes/core/function/10-function.js') as unknown]),
      flow,
      { c1: { username: 'demo', password: 'demo-password' }, f1: { apiKey: 'demo-key', webhookSecret: SECRET } },
    );
    const url = `${await web.listen()}${WEBHOOK_PATH}`;
    const p1 = helper.getNode('p1');
    const answered = new Promise<Record<string, any>>((resolve) => {
      const orig = p1.send.bind(p1);
      p1.send = (m: Record<string, any>) => {
        resolve(m);
        return orig(m);
      };
    });
    const order = {
      ...(structuredClone(fixtures.find(([f]) => f.startsWith('01'))![1].order) as Record<string, unknown>),
      id: 9701,
    };
    const body = JSON.stringify({
      event: 'order.completed',
      site: 'demo',
      sentAt: new Date().toISOString(),
      data: order,
    });
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-Fw360-Delivery': 'd-9701',
        'X-Fw360-Signature': signBody(SECRET, body),
      },
      body,
    });
    assert.equal(res.status, 500);
    const a = await answered;
    // cloneMessage(msg) kept the cycle; a deep copy of the request message holds the live request copied,
    // and the order the change meant not to copy.
    const self = a.self as Record<string, any>;
    assert.ok(
      self === a,
      `msg.self of the answer is the answer, not a copy (its req copied: ${self.req !== a.req}, payload: ${JSON.stringify(self.payload).slice(0, 40)})`,
    );
    assert.deepEqual(self.payload, { error: 'mode: must be queue or wait (got "bogus")' });
  });
});
