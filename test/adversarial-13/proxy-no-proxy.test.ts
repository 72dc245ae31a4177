/**
 * Review R-13 (issue 13, proxies): `no_proxy` as the core http request node reads it. Real HTTP on
 * loopback: a recording forward proxy on 127.0.0.1 and a target on the IPv6 loopback [::1].
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Transport } from '../../src/http/transport';

const PROXY_VARS = ['http_proxy', 'https_proxy', 'all_proxy', 'no_proxy'].flatMap((v) => [v, v.toUpperCase()]);
// Node-RED's own rule (core http request node), for comparison.
const core = require('@node-red/nodes/core/network/lib/proxyHelper.js') as {
  getProxyForUrl(url: string, o?: { env?: Record<string, string> }): string;
};

describe('security regressions found by adversarial review: proxies: no_proxy', function () {
  this.timeout(20_000);
  const saved: Record<string, string | undefined> = {};
  let proxy: http.Server;
  let target: http.Server;
  const proxied: string[] = [];
  const direct: string[] = [];
  let proxyUrl = '';
  let targetPort = 0;

  before(async () => {
    for (const v of PROXY_VARS) saved[v] = process.env[v];
    proxy = http.createServer((req, res) => {
      proxied.push(req.url ?? '');
      res.writeHead(502).end();
    });
    target = http.createServer((req, res) => {
      direct.push(req.url ?? '');
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}');
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    await new Promise<void>((r) => target.listen(0, '::1', () => r()));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    targetPort = (target.address() as AddressInfo).port;
  });
  after(async () => {
    for (const v of PROXY_VARS)
      if (saved[v] === undefined) delete process.env[v];
      else process.env[v] = saved[v];
    await new Promise((r) => proxy.close(r));
    await new Promise((r) => target.close(r));
  });

  for (const entry of ['[::1]']) {
    it(`P1: no_proxy=${entry} (which Node-RED's core honours) does not exempt http://[::1]:port — the request (with its credentials) goes to the proxy`, async () => {
      for (const v of PROXY_VARS) delete process.env[v];
      process.env.http_proxy = proxyUrl;
      process.env.no_proxy = entry;
      proxied.length = 0;
      direct.length = 0;
      const url = `http://[::1]:${targetPort}`;
      const coreChoice = core.getProxyForUrl(url, { env: { http_proxy: proxyUrl, no_proxy: entry } });
      const t = new Transport(url, 5000);
      try {
        await t.send({ method: 'GET', path: '/api/v1/ping', call: 'ping' });
      } finally {
        t.close();
      }
      assert.deepEqual(
        { proxied, direct },
        { proxied: [], direct: ['/api/v1/ping'] },
        `no_proxy=${entry}: ours went to the proxy; Node-RED's core http request would use ${coreChoice === '' ? 'no proxy' : coreChoice}`,
      );
    });
  }
});
