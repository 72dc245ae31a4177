import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TotalGestSandbox } from '../../src/sandbox/totalgest-sandbox';
import type { Framework360Sandbox } from '../../src/sandbox/framework360-sandbox';
import { demoCredentials, startFramework360, startTotalGest } from '../helpers/sandboxes';
import { dist, helper, waitFor } from '../helpers/red';

const tgConfig = dist('totalgest-config.js');
const fwConfig = dist('framework360-config.js');

async function post(route: string, body: unknown): Promise<{ status: number; json: Record<string, any> }> {
  const res = await helper.request().post(route).send(body);
  return { status: res.status, json: res.body as Record<string, any> };
}

describe('config nodes in Node-RED', () => {
  let tg: TotalGestSandbox;
  let fw: Framework360Sandbox;
  let userDir: string;

  before(async () => {
    tg = await startTotalGest();
    fw = await startFramework360();
    userDir = mkdtempSync(path.join(os.tmpdir(), 'tg-nodes-'));
    helper.settings({ userDir });
  });
  beforeEach(() => helper.startServer());
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });
  after(async () => {
    await tg.stop();
    await fw.stop();
    rmSync(userDir, { recursive: true, force: true });
  });

  const tgNode = (over: Record<string, unknown> = {}) => ({
    id: 'c1',
    type: 'totalgest-config',
    name: 'TG',
    endpoint: tg.url,
    shopId: 'demo-shop',
    ownerId: 'demo-owner',
    ...over,
  });

  it('loads with credentials and hands out one shared connection', async () => {
    await helper.load(tgConfig, [tgNode()], { c1: { username: 'demo', password: 'demo-password' } });
    const n = helper.getNode('c1') as unknown as {
      connection(): { client: { checkConnection(): Promise<{ name: string }> } };
      configError?: string;
      credentials: Record<string, string>;
    };
    assert.equal(n.configError, undefined);
    assert.equal(n.credentials.username, 'demo');
    assert.strictEqual(n.connection(), n.connection());
    assert.equal((await n.connection().client.checkConnection()).name, 'Demo Shop Lugano');
  });

  it('reports a bad configuration precisely instead of throwing', async () => {
    const cases: Array<[Record<string, unknown>, Record<string, string>, RegExp]> = [
      [{ endpoint: '' }, { username: 'demo', password: 'x' }, /API endpoint is empty/],
      [{ endpoint: 'http://tg00.bweb.ch' }, { username: 'demo', password: 'x' }, /plain http/],
      [{ shopId: '' }, { username: 'demo', password: 'x' }, /Shop-ID is required/],
      [{}, {}, /Username is required/],
      [{ timeout: 'soon' }, { username: 'demo', password: 'x' }, /Timeout \(s\) must be a number/],
    ];
    for (const [over, creds, expected] of cases) {
      await helper.load(tgConfig, [tgNode(over)], { c1: creds });
      const n = helper.getNode('c1') as unknown as { connection(): unknown; configError?: string };
      assert.match(n.configError ?? '', expected);
      assert.throws(() => n.connection(), expected);
      await helper.unload();
    }
  });

  describe('Test connection admin route', () => {
    let loadedAt = 0;
    beforeEach(async () => {
      loadedAt = Date.now();
      await helper.load([tgConfig, fwConfig], [tgNode(), { id: 'f1', type: 'framework360-config', siteUrl: fw.url }], {
        c1: { username: 'demo', password: 'demo-password' },
        f1: { apiKey: 'demo-key', webhookSecret: 'demo-webhook-secret' },
      });
    });

    const typed = () => ({ endpoint: tg.url, ...demoCredentials });

    it('names the shop for good typed-in values', async () => {
      const r = await post('/totalgest/connection/test', typed());
      assert.deepEqual([r.status, r.json.ok, r.json.name], [200, true, 'Demo Shop Lugano']);
    });

    it('gives the precise cause of each failure', async () => {
      const expect = async (over: Record<string, unknown>, cause: string) => {
        const r = await post('/totalgest/connection/test', { ...typed(), ...over });
        assert.equal(r.json.ok, false);
        assert.equal(r.json.cause, cause, JSON.stringify(r.json));
        assert.ok(!JSON.stringify(r.json).includes('demo-password'), 'no secret in the answer');
      };
      await expect({ password: 'wrong' }, 'wrong_credentials');
      await expect({ ownerId: 'someone' }, 'owner_forbidden');
      await expect({ shopId: 'ghost' }, 'shop_not_found');
      await expect({ endpoint: 'http://127.0.0.1:1' }, 'unreachable');
      await expect({ endpoint: 'http://tg00.example.ch' }, 'invalid_config');
      await expect({ endpoint: '' }, 'invalid_config');
      await expect({ endpoint: tg.url.replace('http:', 'https:') }, 'tls');
    });

    it('reports a timeout', async () => {
      // The deployed connection reads the shop's currency when it starts: that request must not take the hang.
      await waitFor(
        () => tg.requests.some((q) => q.at >= loadedAt && q.path.endsWith('/shops/demo-shop') && q.doneAt),
        5000,
        "the deployed connection's start-up shop request",
      );
      await fetch(`${tg.url}/_sandbox/faults`, { method: 'POST', body: JSON.stringify({ hang: true, count: 1 }) });
      const r = await post('/totalgest/connection/test', { ...typed(), timeout: 1 });
      assert.equal(r.json.cause, 'timeout', JSON.stringify(r.json));
      tg.reset();
    });

    it('uses the stored password when the field still holds __PWRD__', async () => {
      const r = await post('/totalgest/connection/test', { ...typed(), id: 'c1', password: '__PWRD__' });
      assert.equal(r.json.ok, true, JSON.stringify(r.json));
      const none = await post('/totalgest/connection/test', { ...typed(), id: 'unknown-node', password: '__PWRD__' });
      assert.deepEqual([none.json.ok, none.json.cause], [false, 'invalid_config']);
      assert.match(none.json.message, /Password is required/);
    });

    it('gives server_error, bad_response and the unknown cause', async () => {
      const expect = async (fault: Record<string, unknown>, cause: string, message: string) => {
        tg.reset();
        tg.faults.configure({ ...fault, forSeconds: 60 });
        const r = await post('/totalgest/connection/test', typed());
        assert.deepEqual([r.status, r.json.ok, r.json.cause, r.json.message], [200, false, cause, message]);
      };
      await expect(
        { status: 500, code: 'boom', retryAfter: 0 },
        'server_error',
        'POST /auth/login: server error 500 (boom)',
      );
      await expect(
        { status: 200, rawBody: '<html>maintenance</html>' },
        'bad_response',
        'POST /auth/login: answer is not JSON (starts with "<html>maintenance</html>")',
      );
      await expect(
        { status: 418, code: 'teapot' },
        'error',
        'POST /auth/login: HTTP 418 (teapot): fault injected by the sandbox (418)',
      );
      tg.reset();
    });

    it('sends the stored password only to the deployed endpoint', async () => {
      tg.reset();
      const log = async () =>
        ((await (await fetch(`${tg.url}/_sandbox/requests`)).json()) as { logins: unknown[] }).logins.length;
      const before = await log();
      // Another endpoint (a listener of the test's own) with the stored password: refused before any request.
      const received: string[] = [];
      const other = http.createServer((req, res) => (received.push(req.url ?? ''), res.writeHead(500).end()));
      await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
      const otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
      const elsewhere = await post('/totalgest/connection/test', {
        ...typed(),
        id: 'c1',
        password: '__PWRD__',
        endpoint: otherUrl,
      });
      assert.deepEqual(
        [elsewhere.json.ok, elsewhere.json.cause, elsewhere.json.field],
        [false, 'invalid_config', 'password'],
      );
      assert.match(
        elsewhere.json.message,
        /^the endpoint differs from the deployed one \(http:\/\/127\.0\.0\.1:\d+\): type the password again/,
      );
      const fwElsewhere = await post('/totalgest/framework360/test', {
        id: 'f1',
        siteUrl: otherUrl,
        apiKey: '__PWRD__',
      });
      assert.deepEqual(
        [fwElsewhere.json.ok, fwElsewhere.json.cause, fwElsewhere.json.field],
        [false, 'invalid_config', 'apiKey'],
      );
      await new Promise((r) => other.close(r));
      assert.deepEqual(received, [], 'nothing reached the other host');
      const empty = await post('/totalgest/connection/test', {
        ...typed(),
        id: 'c1',
        password: '',
        endpoint: `${tg.url}.evil.example`,
      });
      assert.deepEqual([empty.json.ok, empty.json.field], [false, 'password']);
      assert.equal(await log(), before, 'no login was attempted');
      // The deployed endpoint (a trailing slash does not count) still works with the stored password …
      const same = await post('/totalgest/connection/test', {
        ...typed(),
        id: 'c1',
        password: '__PWRD__',
        endpoint: `${tg.url}/`,
      });
      assert.equal(same.json.ok, true, JSON.stringify(same.json));
      // … and a typed password may go anywhere the user types.
      const retyped = await post('/totalgest/connection/test', {
        ...typed(),
        id: 'c1',
        endpoint: 'http://127.0.0.1:1',
      });
      assert.equal(retyped.json.cause, 'unreachable');
    });

    it('reports Framework360 unreachable and timed out', async () => {
      const refused = await post('/totalgest/framework360/test', { siteUrl: 'http://127.0.0.1:1', apiKey: 'demo-key' });
      assert.deepEqual([refused.json.ok, refused.json.cause], [false, 'unreachable']);
      fw.faults.configure({ hang: true, forSeconds: 60 });
      const hung = await post('/totalgest/framework360/test', { siteUrl: fw.url, apiKey: 'demo-key', timeout: 1 });
      fw.reset();
      assert.deepEqual([hung.json.ok, hung.json.cause], [false, 'timeout']);
      assert.match(hung.json.message, /timed out/);
    });

    it('checks Framework360 with typed or stored key, reading {status:0}', async () => {
      const ok = await post('/totalgest/framework360/test', { siteUrl: fw.url, apiKey: 'demo-key' });
      assert.equal(ok.json.ok, true);
      const stored = await post('/totalgest/framework360/test', { id: 'f1', siteUrl: fw.url, apiKey: '__PWRD__' });
      assert.equal(stored.json.ok, true);
      const bad = await post('/totalgest/framework360/test', { siteUrl: fw.url, apiKey: 'wrong' });
      assert.deepEqual([bad.json.ok, bad.json.cause], [false, 'wrong_credentials']);
    });
  });
});
