/**
 * Review R-13 (issue 13): credentials in the proxy URL, and the TotalGest password, never reach
 * msg.error from a Catch node when the proxy refuses (407 to CONNECT) or cannot be reached. Real
 * Node-RED runtime, real loopback proxy. A failing test is a proven defect.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import util from 'node:util';
import type { AddressInfo } from 'node:net';
import { dist, helper, nodeRedWithSandboxes } from '../helpers/red';

const PROXY_PASS = 'PROXYPASS-r13-77aa';
const PASSWORD = 'PW-r13-proxy-31';
const PROXY_VARS = ['http_proxy', 'https_proxy', 'all_proxy', 'no_proxy'].flatMap((v) => [v, v.toUpperCase()]);

function everyText(root: unknown): string {
  const out: string[] = [];
  const seen = new WeakSet<object>();
  const walk = (v: unknown, depth: number): void => {
    if (depth > 40 || v === null || v === undefined) return;
    if (typeof v !== 'object' && typeof v !== 'function') return void out.push(String(v));
    if (typeof v === 'function' || seen.has(v)) return;
    seen.add(v);
    const toJSON = (v as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') walk((toJSON as () => unknown).call(v), depth + 1);
    for (const key of Reflect.ownKeys(v)) {
      out.push(String(key));
      walk((v as Record<string | symbol, unknown>)[key], depth + 1);
    }
  };
  walk(root, 0);
  out.push(
    JSON.stringify(root) ?? '',
    util.inspect(root, { showHidden: true, depth: Infinity, getters: true }),
    String(root),
  );
  return out.join('\n');
}

describe('security regressions found by adversarial review: proxy credentials in caught errors', function () {
  this.timeout(30_000);
  const env = nodeRedWithSandboxes('tg-r13-proxy-', { users: [{ username: 'demo', password: PASSWORD }] });
  const saved: Record<string, string | undefined> = {};
  let proxy: http.Server;
  let proxyPort = 0;
  let connects = 0;
  before(async () => {
    for (const v of PROXY_VARS) saved[v] = process.env[v];
    proxy = http.createServer((_req, res) => res.writeHead(407, { 'Proxy-Authenticate': 'Basic' }).end());
    proxy.on('connect', (_req, socket) => {
      connects++;
      socket.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n');
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    proxyPort = (proxy.address() as AddressInfo).port;
  });
  after(async () => {
    for (const v of PROXY_VARS)
      if (saved[v] === undefined) delete process.env[v];
      else process.env[v] = saved[v];
    await new Promise((r) => proxy.close(r));
  });

  async function caught(endpoint: string): Promise<{ error: { message: string } }> {
    await helper.load(
      [dist('totalgest-config.js'), dist('framework360-config.js'), dist('tg-pull-products.js')],
      [
        { id: 'c1', type: 'totalgest-config', endpoint, shopId: 'demo-shop', ownerId: 'demo-owner', timeout: '2' },
        { id: 'f1', type: 'framework360-config', siteUrl: env.fw.url },
        { id: 'pp', type: 'tg-pull-products', connection: 'c1', framework360: 'f1', wires: [[], []] },
        { id: 'ca', type: 'catch', scope: null, uncaught: false, wires: [['out']] },
        { id: 'out', type: 'helper' },
      ],
      { c1: { username: 'demo', password: PASSWORD }, f1: { apiKey: 'k', webhookSecret: 'w' } },
    );
    const got = new Promise<{ error: { message: string } }>((resolve) => helper.getNode('out').once('input', resolve));
    helper.getNode('pp').receive({ payload: 'now', full: true });
    return got;
  }

  for (const [what, target, proxyUrl] of [
    [
      'https target, proxy refuses CONNECT with 407',
      () => 'https://127.0.0.1:9',
      () => `http://puser:${PROXY_PASS}@127.0.0.1:${proxyPort}`,
    ],
    ['http target, proxy answers 407', () => env.tg.url, () => `http://puser:${PROXY_PASS}@127.0.0.1:${proxyPort}`],
    ['proxy unreachable', () => env.tg.url, () => `http://puser:${PROXY_PASS}@127.0.0.1:1`],
  ] as const) {
    it(`held: ${what}`, async () => {
      for (const v of PROXY_VARS) delete process.env[v];
      process.env.http_proxy = proxyUrl();
      process.env.https_proxy = proxyUrl();
      const msg = await caught(target());
      const text = everyText(msg.error);
      assert.ok(!text.includes(PROXY_PASS) && !text.includes(PASSWORD), `secret in msg.error: ${msg.error.message}`);
      const status = (helper.getNode('pp').status.getCalls() as Array<{ args: unknown[] }>).map((c) =>
        JSON.stringify(c.args),
      );
      assert.ok(!status.join().includes(PROXY_PASS), 'proxy password in the node status');
    });
  }

  it('the CONNECT case really went through the proxy', () => assert.ok(connects > 0));
});
