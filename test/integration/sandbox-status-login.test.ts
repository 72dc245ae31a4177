import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetchColumn, sendExport } from '../../src/sandbox/admin-pages';

/**
 * The sandbox's admin lists call the status API from the shop's server. Behind httpNodeAuth the
 * Node-RED HTTP nodes want a Basic login as well as the token: a status URL with `user:pass@`
 * carries it, and the token then goes in X-TotalGest-Token.
 */
describe('sandbox admin lists: status API behind httpNodeAuth', () => {
  let server: http.Server;
  let base: string;
  const seen: Array<{ url: string; authorization?: string; token?: string }> = [];
  before(async () => {
    server = http.createServer((req, res) => {
      seen.push({
        url: req.url ?? '',
        authorization: req.headers.authorization,
        token: req.headers['x-totalgest-token'] as string | undefined,
      });
      const basic = `Basic ${Buffer.from('site:p@ss').toString('base64')}`;
      if (req.headers.authorization !== basic) return void res.writeHead(401).end();
      if (req.headers['x-totalgest-token'] !== 'tok') return void res.writeHead(403).end('{}');
      res.writeHead(200, { 'Content-Type': 'application/json' });
      if (req.url?.startsWith('/st/orders/export'))
        return void res.end(JSON.stringify({ total: 1, exported: 1, items: [] }));
      res.end(JSON.stringify({ '7': { state: 'linked', label: 'linked', number: 'F-1', error: null } }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `127.0.0.1:${(server.address() as AddressInfo).port}/st`;
  });
  after(() => server.close());
  beforeEach(() => (seen.length = 0));

  it('sends the URL login as Basic and the token in its own header', async () => {
    const col = await fetchColumn(`http://site:p%40ss@${base}`, 'tok', 'orders', ['7']);
    assert.deepEqual(col, { '7': { state: 'linked', label: 'linked', number: 'F-1', error: null } });
    const report = await sendExport(`http://site:p%40ss@${base}/`, 'tok', ['7']);
    assert.equal(typeof report === 'string' ? report : report.exported, 1);
    assert.equal(seen.length, 2);
    assert.equal(seen[1]!.url, '/st/orders/export');
  });

  it('without a login in the URL the token stays a bearer token (and this server refuses it)', async () => {
    const col = await fetchColumn(`http://${base}`, 'tok', 'orders', ['7']);
    assert.equal(col, 'status API answered 401');
    assert.equal(seen[0]!.authorization, 'Bearer tok');
  });

  it('a wrong login is refused and the error names no credentials', async () => {
    const report = await sendExport(`http://site:wrong@127.0.0.1:1/st`, 'tok', ['7']);
    assert.equal(typeof report, 'string');
    assert.ok(!String(report).includes('wrong'), String(report));
  });
});
