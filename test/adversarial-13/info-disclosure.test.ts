/**
 * Review R-13 (issue 13): what an unauthenticated caller learns, through a real Node-RED runtime
 * and real HTTP on loopback. A failing test is a proven defect.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { httpNodeServer } from '../helpers/http-node-server';
import { dist, helper } from '../helpers/red';
import { webhookFlow, webhookModules } from '../helpers/webhook-flow';

describe('security regressions found by adversarial review: information given to callers without a signature or token', function () {
  this.timeout(30_000);
  let userDir = '';
  const web = httpNodeServer();
  let base = '';
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
    rmSync(userDir, { recursive: true, force: true });
  });
  async function boot(
    settings: Record<string, unknown>,
    flow: Array<Record<string, unknown>>,
    creds: Record<string, object>,
  ) {
    userDir = mkdtempSync(path.join(os.tmpdir(), 'tg-r13-info-'));
    helper.settings({ userDir, ...settings });
    await helper.startServer();
    await helper.load(webhookModules(web.capture, [dist('tg-status.js')]), flow, creds);
    base = await web.listen();
  }

  /** A webhook flow whose TotalGest connection has `endpoint`, and an unsigned webhook with `body` posted to it. */
  async function postUnsigned(endpoint: string, body: string) {
    await boot({}, webhookFlow({ endpoint, siteUrl: 'https://shop.example.ch', skipBodyParsing: true }), {
      c1: { username: 'demo', password: 'x' },
      f1: { apiKey: 'k', webhookSecret: 'whsec-r13' },
    });
    const res = await fetch(`${base}/fw360/webhook`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body,
    });
    return { status: res.status, text: await res.text() };
  }

  it('I1: an unsigned webhook is answered with the TotalGest connection problem, naming the internal TotalGest host (checked before the signature)', async () => {
    const res = await postUnsigned('http://erp-tg.intra.example:8450', '{"event":"order.completed","data":{}}');
    const text = res.text;
    assert.equal(
      res.status,
      401,
      `an unsigned request is refused for its missing signature first: ${res.status} ${text}`,
    );
    assert.doesNotMatch(text, /intra\.example/, 'the answer names the internal TotalGest host');
  });

  it('I1b: an endpoint typed with user:password@ is refused, and the refusal (with the password) is the answer to an unsigned webhook', async () => {
    const res = await postUnsigned('https://svc:Pa55-r13-url@tg.example.ch', '{}');
    const text = res.text;
    const status = (helper.getNode('p1').status.getCalls() as Array<{ args: Array<{ text?: string }> }>).map(
      (c) => c.args[0]?.text ?? '',
    );
    assert.doesNotMatch(
      `${text}\n${status.join('\n')}`,
      /Pa55-r13-url/,
      `answer ${res.status} ${text}; node status ${JSON.stringify(status)}`,
    );
  });

  it('I2: httpNodeCors {origin:"*", credentials:true}: the status API reflects any Origin with Allow-Credentials (the cors middleware answers "*", which browsers refuse with credentials)', async () => {
    await boot(
      { httpNodeCors: { origin: '*', credentials: true } },
      [
        {
          id: 'c1',
          type: 'totalgest-config',
          endpoint: 'http://127.0.0.1:1',
          shopId: 'demo-shop',
          ownerId: 'demo-owner',
        },
        { id: 's1', type: 'tg-status', connection: 'c1', path: '/st', publicRead: true, wires: [[]] },
        { id: 'in', type: 'http in', url: '/core', method: 'get', wires: [['res']] },
        { id: 'res', type: 'http response', wires: [] },
      ],
      { c1: { username: 'demo', password: 'x' }, s1: { token: 't-r13' } },
    );
    const res = await fetch(`${base}/st/summary`, { headers: { Origin: 'https://evil.example' } });
    await res.text();
    const core = await fetch(`${base}/core`, { headers: { Origin: 'https://evil.example' } });
    await core.text();
    assert.equal(
      core.headers.get('access-control-allow-origin'),
      '*',
      'the core http in answers "*" under the same setting',
    );
    const acao = res.headers.get('access-control-allow-origin');
    const acac = res.headers.get('access-control-allow-credentials');
    assert.ok(
      !(acao === 'https://evil.example' && acac === 'true'),
      `any site may read with the visitor's credentials (httpNodeAuth Basic, cookies): ACAO=${acao} ACAC=${acac}`,
    );
  });
});
