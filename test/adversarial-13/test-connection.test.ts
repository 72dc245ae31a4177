/**
 * Review R-13 (issue 13): "Test connection" as a curious editor user, through Node-RED's admin
 * routes (node-red-node-test-helper) and a recording server on loopback that plays TotalGest /
 * Framework360. A failing "T" test is a proven defect; "held" tests record what resisted.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { nodeRedPerTest } from '../helpers/node-red-runtime';
import { dist, helper } from '../helpers/red';

const PASSWORD = 'PW-r13-test-conn-91';
const API_KEY = 'KEY-r13-test-conn-17';

describe('security regressions found by adversarial review: Test connection with stored secrets', function () {
  this.timeout(30_000);
  let rec: http.Server;
  let port = 0;
  const seen: string[] = [];

  before(async () => {
    rec = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push(`${req.method} ${req.url} ${JSON.stringify(req.headers)} ${body}`);
        res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"code":"invalid_credentials","message":"no"}');
      });
    });
    await new Promise<void>((r) => rec.listen(0, '127.0.0.1', () => r()));
    port = (rec.address() as AddressInfo).port;
  });
  after(async () => {
    await new Promise((r) => rec.close(r));
  });
  beforeEach(() => {
    seen.length = 0;
  });
  nodeRedPerTest('tg-r13-tc-');

  const load = (tgEndpoint: string, fwSite: string) =>
    helper.load(
      [dist('totalgest-config.js'), dist('framework360-config.js')],
      [
        { id: 'c1', type: 'totalgest-config', endpoint: tgEndpoint, shopId: 'demo-shop', ownerId: 'demo-owner' },
        { id: 'f1', type: 'framework360-config', siteUrl: fwSite },
      ],
      { c1: { username: 'demo', password: PASSWORD }, f1: { apiKey: API_KEY, webhookSecret: 'wh' } },
    );
  const post = async (route: string, body: Record<string, unknown>) => {
    const r = await helper.request().post(route).send(body);
    return r.body as { ok: boolean; cause?: string; message?: string };
  };
  const leaked = () => seen.filter((s) => s.includes(PASSWORD) || s.includes(API_KEY));

  it('T1: a connection deployed with plain http:// to a non-loopback host (refused at deploy) — Test connection with "allow insecure HTTP" ticked in the dialog sends the stored password over plain HTTP', async () => {
    // [::ffff:127.0.0.1] is not recognised as loopback: it stands in for http://tg.lan — the deployed node refuses it.
    const endpoint = `http://[::ffff:127.0.0.1]:${port}`;
    await load(endpoint, `http://[::ffff:127.0.0.1]:${port}`);
    assert.match(helper.getNode('c1').configError ?? '', /plain http/, 'the deployed connection refuses plain http');
    assert.match(
      helper.getNode('f1').configError ?? '',
      /plain http/,
      'the deployed Framework360 connection refuses plain http',
    );
    const tg = await post('/totalgest/connection/test', {
      id: 'c1',
      endpoint,
      shopId: 'demo-shop',
      ownerId: 'demo-owner',
      password: '__PWRD__',
      allowInsecureHttp: true,
    });
    const fw = await post('/totalgest/framework360/test', {
      id: 'f1',
      siteUrl: endpoint,
      apiKey: '__PWRD__',
      allowInsecureHttp: true,
    });
    assert.deepEqual(leaked(), [], `stored secrets sent in clear text (answers ${JSON.stringify([tg, fw])})`);
  });

  it('held: another endpoint (port, path, scheme, case, blanks, @-host, IP for host) never gets the stored password or API key', async () => {
    const endpoint = `http://127.0.0.1:${port + 1}`;
    await load(endpoint, endpoint);
    const variants = [
      `http://127.0.0.1:${port}`,
      `http://localhost:${port + 1}`,
      `HTTP://127.0.0.1:${port + 1}`,
      `http://127.0.0.1:${port + 1}/api/v1/../../x`,
      `http://127.0.0.1:${port + 1}@127.0.0.1:${port}`,
      `http://127.0.0.1:${port}#127.0.0.1:${port + 1}`,
      ` http://127.0.0.1:${port}/ `,
    ];
    for (const v of variants) {
      const a = await post('/totalgest/connection/test', {
        id: 'c1',
        endpoint: v,
        shopId: 'demo-shop',
        ownerId: 'demo-owner',
        password: '__PWRD__',
        allowInsecureHttp: true,
      });
      const b = await post('/totalgest/framework360/test', {
        id: 'f1',
        siteUrl: v,
        apiKey: '',
        allowInsecureHttp: true,
      });
      assert.ok(!a.ok && !b.ok, v);
    }
    // Another node's id (a foreign type with a password credential) and no id at all.
    for (const id of ['f1', undefined, ['c1']])
      await post('/totalgest/connection/test', {
        id,
        endpoint: `http://127.0.0.1:${port}`,
        shopId: 'demo-shop',
        ownerId: 'demo-owner',
      });
    assert.deepEqual(leaked(), []);
  });
});
