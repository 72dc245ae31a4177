import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Framework360Client } from '../../src/framework360/client';
import { TransientError } from '../../src/http/errors';
import { proxyFor } from '../../src/http/proxy';
import type { Framework360Sandbox } from '../../src/sandbox/framework360-sandbox';
import type { TotalGestSandbox } from '../../src/sandbox/totalgest-sandbox';
import { TotalGestClient } from '../../src/totalgest/client';
import { demoCredentials, startFramework360, startTotalGest } from '../helpers/sandboxes';

const PROXY_VARS = ['http_proxy', 'https_proxy', 'all_proxy', 'no_proxy'].flatMap((v) => [v, v.toUpperCase()]);

/**
 * A forward proxy on loopback, as a company runs one: absolute-form requests for http targets,
 * CONNECT tunnels for https targets. It records what it was asked, and the Proxy-Authorization.
 */
class LoopbackProxy {
  readonly seen: Array<{ method: string; target: string; auth: string | undefined }> = [];
  private readonly server = http.createServer((req, res) => {
    this.seen.push({ method: req.method ?? '', target: req.url ?? '', auth: req.headers['proxy-authorization'] });
    const target = new URL(req.url ?? '');
    const upstream = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: `${target.pathname}${target.search}`,
        headers: { ...req.headers, host: target.host },
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  private readonly sockets = new Set<net.Socket>();

  constructor() {
    this.server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
      this.seen.push({ method: 'CONNECT', target: req.url ?? '', auth: req.headers['proxy-authorization'] });
      const [host, port] = (req.url ?? '').split(':');
      const upstream = net.connect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      this.sockets.add(upstream).add(client);
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    this.server.on('connection', (s: net.Socket) => this.sockets.add(s));
  }

  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server.close(r));
  }
}

describe('proxies from the environment (http_proxy, https_proxy, no_proxy)', function () {
  this.timeout(30_000);
  let tg: TotalGestSandbox;
  let fw: Framework360Sandbox;
  let proxy: LoopbackProxy;
  let proxyUrl: string;
  const saved: Record<string, string | undefined> = {};

  before(async () => {
    tg = await startTotalGest();
    fw = await startFramework360();
  });
  after(async () => {
    await tg.stop();
    await fw.stop();
  });
  beforeEach(async () => {
    for (const v of PROXY_VARS) {
      saved[v] = process.env[v];
      delete process.env[v];
    }
    proxy = new LoopbackProxy();
    proxyUrl = await proxy.start();
  });
  afterEach(async () => {
    for (const v of PROXY_VARS) {
      if (saved[v] === undefined) delete process.env[v];
      else process.env[v] = saved[v];
    }
    await proxy.stop();
  });

  const tgClient = (endpoint = tg.url) =>
    new TotalGestClient({ endpoint, ...demoCredentials, timeoutMs: 5000, retry: { maxAttempts: 1 } });

  it('sends TotalGest and Framework360 requests through http_proxy, with the proxy credentials', async () => {
    process.env.http_proxy = proxyUrl.replace('http://', 'http://corp%20user:pr0xy-pass@');
    const client = tgClient();
    try {
      assert.equal((await client.checkConnection()).name, 'Demo Shop Lugano');
    } finally {
      client.close();
    }
    const fwClient = new Framework360Client({ siteUrl: fw.url, apiKey: 'demo-key', timeoutMs: 5000 });
    try {
      await fwClient.checkConnection();
    } finally {
      fwClient.close();
    }
    const basic = `Basic ${Buffer.from('corp user:pr0xy-pass').toString('base64')}`;
    assert.deepEqual(
      proxy.seen.map((s) => [s.method, new URL(s.target).origin, s.auth]),
      [
        ['POST', tg.url, basic],
        ['GET', tg.url, basic],
        ['GET', fw.url, basic],
      ],
    );
  });

  it('goes direct for hosts in no_proxy (exact, suffix, with port) and with "*"', async () => {
    const port = new URL(tg.url).port;
    for (const noProxy of ['127.0.0.1', `localhost, 127.0.0.1:${port}`, '*']) {
      process.env.HTTP_PROXY = proxyUrl;
      process.env.NO_PROXY = noProxy;
      const client = tgClient();
      try {
        await client.checkConnection();
      } finally {
        client.close();
      }
    }
    assert.deepEqual(proxy.seen, []);
    // The rules themselves, without a request.
    const env = (no_proxy: string) => ({ http_proxy: proxyUrl, https_proxy: proxyUrl, no_proxy });
    assert.equal(proxyFor('https://api.example.ch/x', env('other.ch'))?.origin, proxyUrl);
    assert.equal(proxyFor('https://api.example.ch/x', env('.example.ch')), undefined);
    assert.equal(proxyFor('https://api.example.ch/x', env('*.example.ch')), undefined);
    assert.equal(
      proxyFor('https://api.example.ch/x', env('example.ch')) !== undefined,
      true,
      'a plain entry matches only that host',
    );
    assert.equal(proxyFor('https://example.ch/x', env('example.ch')), undefined);
    assert.equal(
      proxyFor('https://example.ch:8443/x', env('example.ch:443')) !== undefined,
      true,
      'another port is proxied',
    );
    assert.equal(
      proxyFor('http://a.example/x', { https_proxy: proxyUrl }),
      undefined,
      'https_proxy is for https targets only',
    );
    assert.equal(proxyFor('http://a.example/x', { all_proxy: proxyUrl })?.origin, proxyUrl);
  });

  it('tunnels https through CONNECT, TLS end to end with the host (here a plain-http port: the handshake fails)', async () => {
    process.env.https_proxy = proxyUrl;
    const endpoint = tg.url.replace('http:', 'https:');
    const client = tgClient(endpoint);
    try {
      await assert.rejects(client.checkConnection(), (err: unknown) => {
        assert.ok(err instanceof TransientError);
        assert.equal(err.networkCause, 'tls');
        return true;
      });
    } finally {
      client.close();
    }
    assert.deepEqual(
      proxy.seen.map((s) => [s.method, s.target]),
      [['CONNECT', new URL(endpoint).host]],
    );
  });

  it('times out a proxy that never opens the tunnel', async () => {
    const silent = net.createServer(() => undefined);
    const held: net.Socket[] = [];
    silent.on('connection', (c) => held.push(c));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    process.env.https_proxy = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const client = new TotalGestClient({
      endpoint: tg.url.replace('http:', 'https:'),
      ...demoCredentials,
      timeoutMs: 300,
      retry: { maxAttempts: 1 },
    });
    try {
      await assert.rejects(client.checkConnection(), (err: unknown) => {
        assert.ok(err instanceof TransientError);
        assert.equal(err.networkCause, 'timeout');
        return true;
      });
    } finally {
      client.close();
      for (const c of held) c.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  it('reports an unreachable proxy as unreachable, naming no proxy credentials', async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    process.env.http_proxy = `http://user:s3cret-proxy@127.0.0.1:${port}`;
    const client = tgClient();
    try {
      await assert.rejects(client.checkConnection(), (err: unknown) => {
        assert.ok(err instanceof TransientError);
        assert.equal(err.networkCause, 'unreachable');
        assert.ok(!JSON.stringify(err).includes('s3cret-proxy') && !String(err.stack).includes('s3cret-proxy'));
        return true;
      });
    } finally {
      client.close();
    }
  });
});
