/**
 * Review R-13 (issue 13): the status API as someone who found its URL, through a real Node-RED
 * runtime (tg-status on RED.httpNode, served on loopback). "S" tests are proven defects when they
 * fail; "held" tests record what was tried and resisted.
 */
import assert from 'node:assert/strict';
import { httpNodeServer } from '../helpers/http-node-server';
import { nodeRedPerTest } from '../helpers/node-red-runtime';
import { dist, helper } from '../helpers/red';
import { seedStatusDatabase } from '../helpers/status-fixtures';

const TOKEN = 'r13-status-token-5b2c';

describe('security regressions found by adversarial review: status surface', function () {
  this.timeout(30_000);
  const web = httpNodeServer();
  let base = '';
  const modules = [
    dist('totalgest-config.js'),
    dist('tg-status.js'),
    require('@node-red/nodes/core/network/21-httpin.js') as unknown,
    web.capture,
  ];
  const conn = {
    id: 'c1',
    type: 'totalgest-config',
    endpoint: 'http://127.0.0.1:1',
    shopId: 'demo-shop',
    ownerId: 'demo-owner',
  };

  nodeRedPerTest('tg-r13-status-', (userDir) => seedStatusDatabase(userDir));

  async function serve() {
    base = await web.listen({ notFoundBody: 'not found' });
  }
  const get = async (p: string, headers: Record<string, string> = {}, method = 'GET') => {
    const res = await fetch(`${base}${p}`, { method, headers });
    return { status: res.status, text: await res.text() };
  };

  // A route that is one of the status resources (/api/orders under path /api) is a real collision; any other stays the flow's.
  it('S1: a tg-status path that is a prefix of another http in route does not take it over after a redeploy', async () => {
    // On first start the http in route is registered first and works.
    const flow = [
      conn,
      { id: 'in', type: 'http in', url: '/api/customers', method: 'get', wires: [['res']] },
      { id: 'res', type: 'http response', wires: [] },
      { id: 's1', type: 'tg-status', connection: 'c1', path: '/api', wires: [[]] },
    ];
    const creds = { c1: { username: 'demo', password: 'x' }, s1: { token: TOKEN } };
    await helper.load(modules, flow, creds);
    await serve();
    assert.equal((await get('/api/customers')).status, 200, 'before the redeploy the flow answers');
    // A full deploy: http in removes its route and adds it again at the end; tg-status' routes are never removed.
    await helper.setFlows(flow, 'full', creds);
    const after = await get('/api/customers');
    assert.equal(
      after.status,
      200,
      `after the redeploy GET /api/customers is answered by tg-status: ${after.status} ${after.text}`,
    );
  });

  it('S3: two nodes on one path, the first moved away ("modified nodes" deploy): the second takes the path over', async () => {
    const flow = (p1: string) => [
      conn,
      { id: 's1', type: 'tg-status', connection: 'c1', path: p1, wires: [[]] },
      { id: 's2', type: 'tg-status', connection: 'c1', path: '/same', wires: [[]] },
    ];
    const creds = { c1: { username: 'demo', password: 'x' }, s1: { token: TOKEN }, s2: { token: TOKEN } };
    await helper.load(modules, flow('/same'), creds);
    await serve();
    await helper.setFlows(flow('/moved'), 'nodes', creds);
    const r = await get('/same/summary', { Authorization: `Bearer ${TOKEN}` });
    assert.equal(r.status, 200, `s2 (path /same, now free) after the deploy: ${r.status} ${r.text}`);
  });

  it('held: no token, wrong token, token in the query, Basic only → 401; public read-only retry → 401; cross-origin and Origin null actions → 403 even with the token', async () => {
    await helper.load(
      modules,
      [
        conn,
        { id: 's1', type: 'tg-status', connection: 'c1', path: '/st', wires: [[]] },
        { id: 's2', type: 'tg-status', connection: 'c1', path: '/pub', publicRead: true, wires: [[]] },
      ],
      { c1: { username: 'demo', password: 'x' }, s1: { token: TOKEN }, s2: { token: TOKEN } },
    );
    await serve();
    assert.equal((await get('/st/summary')).status, 401);
    assert.equal((await get('/st/summary', { Authorization: 'Bearer nope' })).status, 401);
    assert.equal((await get(`/st/summary?token=${TOKEN}&access_token=${TOKEN}`)).status, 401);
    assert.equal(
      (await get('/st/summary', { Authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` })).status,
      401,
    );
    assert.equal((await get('/st/summary', { 'X-TotalGest-Token': ` ${TOKEN} ` })).status, 200);
    assert.equal((await get('/pub/summary')).status, 200);
    assert.equal((await get('/pub/orders/1003/retry', { 'Content-Type': 'text/plain' }, 'POST')).status, 401);
    for (const origin of ['https://evil.example', 'null']) {
      const r = await get(
        '/st/orders/1003/retry',
        { Authorization: `Bearer ${TOKEN}`, Origin: origin, 'Content-Type': 'text/plain' },
        'POST',
      );
      assert.equal(r.status, 403, `${origin}: ${r.text}`);
    }
    const pre = await get(
      '/st/orders/1003/retry',
      { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' },
      'OPTIONS',
    );
    assert.equal(pre.status, 403);
    assert.equal((await get('/st/orders/1003/retry', { Authorization: `Bearer ${TOKEN}` }, 'POST')).status, 202);
  });
});
