import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { NodeAPI } from 'node-red';
import { dist, helper } from '../helpers/red';
import { offlineConnectionCredentials, statusFlow } from '../helpers/status-node-flow';

const TOKEN = 'tok-polish-head-51c';
type Middleware = (req: http.IncomingMessage, res: http.ServerResponse, next: () => void) => void;

/**
 * HEAD now reads as GET everywhere in the status API. The two action routes exist for POST only
 * (`orders/export`, `orders/:id/retry`): a HEAD there used to answer 405; now it answers, like GET, 404
 * "no such status resource" — a monitor or a proxy probing the action's URL is told it does not exist. A
 * resource that exists for another method is 405 with `Allow: POST` (RFC 9110 §15.5.6), for GET and HEAD
 * alike. A tg-status node in a test runtime, its routes served on loopback under httpNodeRoot.
 */
describe('adversarial-polish: HEAD and GET on the status API', () => {
  let userDir = '';
  let server: http.Server | undefined;
  let base = '';
  let httpNode: Middleware | undefined;
  const capture = (RED: NodeAPI): void => {
    httpNode = RED.httpNode as unknown as Middleware;
  };

  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
    if (server) await new Promise((r) => server!.close(r));
    server = undefined;
    rmSync(userDir, { recursive: true, force: true });
  });

  async function start() {
    userDir = mkdtempSync(path.join(os.tmpdir(), 'tg-polish-head-'));
    helper.settings({ userDir });
    await helper.startServer();
    await helper.load([dist('totalgest-config.js'), dist('tg-status.js'), capture], statusFlow(), {
      c1: offlineConnectionCredentials,
      s1: { token: TOKEN },
    });
    const app = httpNode!;
    server = http.createServer((req, res) => {
      Object.assign(req, { baseUrl: '', originalUrl: req.url });
      app(req, res, () => res.writeHead(404, { 'Content-Type': 'text/plain' }).end('no route'));
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/totalgest/status`;
  }

  const auth = { Authorization: `Bearer ${TOKEN}` };
  const call = async (method: string, p: string, headers: Record<string, string> = auth) => {
    const res = await fetch(`${base}${p}`, { method, headers, redirect: 'manual' });
    const text = await res.text();
    return { status: res.status, allow: res.headers.get('allow'), text };
  };

  it('GET and HEAD on a route that exists for POST only: 405 with Allow: POST', async () => {
    await start();
    for (const p of ['/orders/export', '/orders/1003/retry']) {
      const get = await call('GET', p);
      const head = await call('HEAD', p);
      assert.deepEqual([get.status, get.allow], [405, 'POST'], `GET ${p}: ${get.text}`);
      assert.deepEqual([head.status, head.allow, head.text], [405, 'POST', ''], `HEAD ${p}`);
    }
    // POST still reaches the actions (a bad body or id is the action's own answer, not 405).
    assert.equal((await call('POST', '/orders/export')).status, 400);
    assert.equal((await call('POST', '/orders/abc/retry')).status, 400);
    // Without a token the route is still not disclosed beyond what the token check says.
    assert.equal((await call('HEAD', '/orders/export', {})).status, 401);
  });
});
