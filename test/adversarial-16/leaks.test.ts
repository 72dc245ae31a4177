import assert from 'node:assert/strict';
import { readdirSync, readlinkSync } from 'node:fs';
import { dist, helper, nodeRedWithSandboxes } from '../helpers/red';

const nodes = [
  dist('totalgest-config.js'),
  dist('framework360-config.js'),
  dist('tg-push-order.js'),
  dist('tg-status.js'),
];
const creds = {
  c1: { username: 'demo', password: 'demo-password' },
  f1: { apiKey: 'demo-key', webhookSecret: 'sek' },
  s1: { token: 'tok-123456789012345678901234' },
};

/** Open file descriptors of this process that point at a state database (db, -wal, -shm). */
function sqliteHandles(dir: string): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith(dir)) n += 1;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

describe('adversarial review of issue 16: leaks over redeploys', function () {
  this.timeout(120_000);
  const env = nodeRedWithSandboxes('tg-adv16-leak-');

  const flow = (n: number) => [
    {
      id: 'c1',
      type: 'totalgest-config',
      endpoint: env.tg.url,
      shopId: 'demo-shop',
      ownerId: 'demo-owner',
      timeout: String(20 + n),
    },
    { id: 'f1', type: 'framework360-config', siteUrl: env.fw.url },
    { id: 'p1', type: 'tg-push-order', connection: 'c1', framework360: 'f1', mode: 'queue', wires: [[]] },
    { id: 's1', type: 'tg-status', connection: 'c1', path: '/tg/status', wires: [[]] },
  ];

  for (const type of ['full', 'nodes'] as const) {
    it(`R16-3 (${type}): 20 redeploys of a changed config node leave no more open database handles than one`, async () => {
      await helper.load(nodes, flow(0), creds);
      helper.getNode('c1').connection().status.summary();
      const first = sqliteHandles(env.userDir);
      const processListeners = () => process.eventNames().reduce((n, e) => n + process.listenerCount(e), 0);
      const listenersBefore = processListeners();
      assert.ok(first > 0, 'the state database is open');
      for (let i = 1; i <= 20; i++) await (helper as any).setFlows(flow(i), type, creds);
      helper.getNode('c1').connection().status.summary();
      assert.equal(sqliteHandles(env.userDir), first);
      assert.equal(processListeners(), listenersBefore, 'process listeners added by the redeploys');
    });
  }
});
