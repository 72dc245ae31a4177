import assert from 'node:assert/strict';
import { nodeRedPerTest } from '../helpers/node-red-runtime';
import { dist, helper, waitFor } from '../helpers/red';
import { seedStatusDatabase } from '../helpers/status-fixtures';
import { offlineConnection, offlineConnectionCredentials, statusFlow } from '../helpers/status-node-flow';

const nodes = [dist('totalgest-config.js'), dist('tg-status.js')];

describe('tg-status in Node-RED', () => {
  // The connection's state database, as the sync and the export leave it.
  nodeRedPerTest('tg-status-', (userDir) => seedStatusDatabase(userDir));

  const load = (over: Record<string, unknown> = {}) =>
    helper.load(
      nodes,
      [...statusFlow({ path: '/totalgest/status-test', wires: [['out']], ...over }), { id: 'out', type: 'helper' }],
      { c1: offlineConnectionCredentials, s1: { token: 'node-test-token' } },
    );
  const ask = (payload: unknown) =>
    new Promise<any>((resolve, reject) => {
      const s1 = helper.getNode('s1');
      helper.getNode('out').once('input', (m: any) => resolve(m.payload));
      s1.once('call:error', (c: { args: unknown[] }) => reject(new Error(String(c.args[0]))));
      s1.receive({ payload });
    });

  it('maps each order id to its state, with localised labels', async () => {
    await load({ lang: 'de' });
    const r = await ask({ type: 'order', ids: [1001, 1002, 1003, 1004, 424242] });
    assert.deepEqual(Object.fromEntries(Object.entries(r).map(([k, v]: [string, any]) => [k, [v.state, v.label]])), {
      '1001': ['pending', 'Ausstehend'],
      '1002': ['linked', 'Verbunden'],
      '1003': ['failed', 'Fehlgeschlagen'],
      '1004': ['not_linked', 'Nicht verbunden'],
      '424242': ['not_linked', 'Nicht verbunden'],
    });
    assert.deepEqual([r['1002'].totalgestId, r['1002'].number], ['D-000002', '2026-000002']);
    assert.equal(r['1004'].reason, 'cancelled');
  });

  it('answers products and the summary, and shows the summary in short', async () => {
    await load({ lang: 'it' });
    const st: string[] = [];
    helper.getNode('s1').on('call:status', (c: { args: Array<{ text?: string }> }) => st.push(c.args[0]?.text ?? ''));
    const p = await ask({ type: 'product', ids: ['CAF-250', 'NOPE'] });
    assert.deepEqual([p['CAF-250'].state, p.NOPE.label], ['linked', 'Non collegato']);
    const s = await ask({ type: 'summary' });
    assert.deepEqual(s.orders, { linked: 1, pending: 1, failed: 2, needs_review: 0, not_linked: 1 });
    assert.equal(s.queueDepth, 1);
    helper.getNode('c1').connection().notifyChanged('orders');
    await waitFor(() => st.some((t) => t === '⚠ 3 linked · 3 failed · 1 queued'), 3000, JSON.stringify(st));
  });

  it('refuses bad input with a message naming the field', async () => {
    await load();
    await assert.rejects(ask({ type: 'order' }), /ids: give a non-empty array/);
    await assert.rejects(ask({ type: 'order', ids: Array.from({ length: 501 }, (_, i) => i) }), /at most 500/);
    await assert.rejects(ask({ type: 'invoices' }), /type must be "order", "product" or "summary"/);
  });

  it('refuses a second node on the same path', async () => {
    await helper.load(
      nodes,
      [
        offlineConnection(),
        { id: 's1', type: 'tg-status', connection: 'c1', path: '/totalgest/same', wires: [[]] },
        { id: 's2', type: 'tg-status', connection: 'c1', path: '/totalgest/same', wires: [[]] },
      ],
      { c1: offlineConnectionCredentials },
    );
    // The status was set while the node started: read it from the node's last status call.
    const s2 = helper.getNode('s2');
    const calls = s2.status.getCalls() as Array<{ args: Array<{ fill?: string; text?: string }> }>;
    const last = calls.at(-1)!.args[0]!;
    assert.equal(last.fill, 'red');
    assert.match(last.text!, /already served by another/);
  });
});
