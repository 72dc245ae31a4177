import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { signBody } from '../../src/framework360/signature';
import { withNodeRed } from '../helpers/red-process';

/**
 * Adversarial review of the runtime language (issue 15): what an HTTP caller (Framework360's
 * webhook) gets back stays English byte for byte whatever language Node-RED runs in; only what
 * Node-RED shows (status, Catch) is translated. Real Node-RED in its own process, settings.js lang.
 */
const root = path.join(__dirname, '../..');
const SECRET = 'whsec-adv15';

function flow(push: Record<string, unknown>): object[] {
  return [
    { id: 'f1', type: 'framework360-config', siteUrl: 'https://shop.example.ch' },
    {
      id: 'in',
      z: 't1',
      type: 'http in',
      url: '/hook',
      method: 'post',
      upload: false,
      skipBodyParsing: true,
      wires: [['p1']],
    },
    { id: 'p1', z: 't1', type: 'tg-push-order', framework360: 'f1', mode: 'queue', wires: [['res']], ...push },
    { id: 'res', z: 't1', type: 'http response', wires: [] },
  ];
}

async function post(base: string): Promise<{ status: number; body: string }> {
  const body = JSON.stringify({ event: 'order.created', data: { id: 10452 } });
  const res = await fetch(`${base}/hook`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'X-Fw360-Signature': signBody(SECRET, body),
      'X-Fw360-Delivery': 'd-1',
    },
    body,
  });
  return { status: res.status, body: await res.text() };
}

describe('adversarial 15: the webhook answer stays English in an Italian runtime', function () {
  this.timeout(120_000);
  before(() => assert.ok(existsSync(path.join(root, 'dist/nodes/tg-push-order.js')), 'run npm run build first'));

  it('a signed webhook to a push node without a TotalGest connection: 500 with the English cause', async () => {
    await withNodeRed(
      { lang: 'it', flow: flow({ connection: '' }), creds: { f1: { apiKey: 'k', webhookSecret: SECRET } } },
      async (rt) => {
        const answer = await post(rt.base);
        assert.equal(answer.status, 500);
        // The Italian text reaches Catch (the runtime's language) …
        const seen = await rt.until((p) => p.errors.p1 !== undefined, 'the failure on Catch');
        assert.match(seen.errors.p1!, /nessuna connessione TotalGest/);
        // … but the caller's answer is the API's, in English, as before the runtime language.
        assert.equal(answer.body, JSON.stringify({ error: 'config: no TotalGest connection selected' }));
      },
    );
  });
});
