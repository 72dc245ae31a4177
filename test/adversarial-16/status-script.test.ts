import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NodeAPI } from 'node-red';
import { dist, helper, nodeRedWithSandboxes } from '../helpers/red';

type Middleware = (req: http.IncomingMessage, res: http.ServerResponse, next: () => void) => void;

describe('adversarial review of issue 16: the status page script route', function () {
  this.timeout(30_000);
  const env = nodeRedWithSandboxes('tg-adv16-script-');
  let server: http.Server | undefined;
  let httpNode: Middleware | undefined;
  const capture = (RED: NodeAPI): void => {
    httpNode = RED.httpNode as unknown as Middleware;
  };
  afterEach(async () => {
    if (server) await new Promise((r) => server!.close(r));
    server = undefined;
  });

  /** A tg-status node whose HTTP node app is served on loopback under httpNodeRoot "/". */
  async function start(): Promise<string> {
    await helper.load(
      [dist('totalgest-config.js'), dist('tg-status.js'), capture],
      [
        { id: 'c1', type: 'totalgest-config', endpoint: env.tg.url, shopId: 'demo-shop', ownerId: 'demo-owner' },
        { id: 's1', type: 'tg-status', connection: 'c1', path: '/tg/status', lang: 'en', wires: [[]] },
      ],
      { c1: { username: 'demo', password: 'demo-password' }, s1: { token: 'tok-9f2c41d7e8' } },
    );
    const app = httpNode!;
    server = http.createServer((req, res) => {
      Object.assign(req, { baseUrl: '', originalUrl: req.url });
      app(req, res, () => res.writeHead(404).end('no route'));
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/tg/status`;
  }

  it('R16-6: HEAD of the token-less script answers as its GET does (200, JavaScript), not 401', async () => {
    const base = await start();
    const got = await fetch(`${base}/status-page.js`);
    assert.equal(got.status, 200);
    const head = await fetch(`${base}/status-page.js`, { method: 'HEAD' });
    assert.equal(head.status, 200, `HEAD answered ${head.status} ${head.headers.get('content-type')}`);
    assert.match(head.headers.get('content-type') ?? '', /javascript/);
  });
});
