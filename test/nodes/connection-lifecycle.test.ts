/**
 * The connection's explicit lifecycle: the totalgest-config node starts the outbox worker when it
 * is created and stops it when it closes, so queued orders are sent whichever nodes use the
 * connection — with only tg-status in the flow, and across a redeploy on the same database file.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sinon from 'sinon';
import { TotalGestConnection } from '../../src/engine/connection';
import { OrderExporter } from '../../src/engine/order-exporter';
import { OrderStore } from '../../src/store/order-store';
import { openStateDatabase } from '../../src/store/state-db';
import { TotalGestClient } from '../../src/totalgest/client';
import { fixtures } from '../helpers/fixtures';
import { demoCredentials } from '../helpers/sandboxes';
import { dist, helper, nodeRedWithSandboxes, waitFor } from '../helpers/red';

const nodes = [dist('totalgest-config.js'), dist('tg-status.js')];

const order = (id: number): Record<string, unknown> => ({
  ...structuredClone(fixtures.find(([f]) => f.startsWith('01'))![1].order),
  id,
});

describe('connection lifecycle: the config node owns the outbox worker', function () {
  this.timeout(60_000);
  const env = nodeRedWithSandboxes('tg-life-');
  const dbFile = () => path.join(env.userDir, 'totalgest', 'state-c1.sqlite');
  const exported = (ref: string) => env.tg.orders.filter((o) => o.externalRef === ref).length;

  /** Orders queued (pending) in the state database as a previous run left them, through the real intake; nothing sent. */
  function queue(file: string, ids: number[]): void {
    mkdirSync(path.dirname(file), { recursive: true });
    const db = openStateDatabase(file);
    const client = new TotalGestClient({ endpoint: env.tg.url, ...demoCredentials });
    try {
      const ex = new OrderExporter(client, new OrderStore(db), () => undefined, { dbKey: `seed-${file}` });
      for (const id of ids) assert.equal(ex.submit(order(id)).outcome, 'queued');
      assert.deepEqual(
        ids.map((id) => ex.store.get(String(id))?.state),
        ids.map(() => 'pending'),
      );
    } finally {
      client.close();
      db.close();
    }
  }

  const flow = (name = '') => [
    {
      id: 'c1',
      type: 'totalgest-config',
      name,
      endpoint: env.tg.url,
      shopId: 'demo-shop',
      ownerId: 'demo-owner',
    },
    { id: 's1', type: 'tg-status', connection: 'c1', path: '/totalgest/life', lang: 'en', wires: [[]] },
  ];
  const creds = { c1: { username: 'demo', password: 'demo-password' }, s1: { token: 't' } };

  it('exports an order queued in the state database with only totalgest-config and tg-status deployed', async () => {
    queue(dbFile(), [91001]);
    await helper.load(nodes, flow(), creds);
    await waitFor(() => exported('FW360-91001') === 1, 10_000, 'the queued order in TotalGest');
    const c1 = helper.getNode('c1');
    await waitFor(() => c1.connection().orders.get('91001')?.state === 'done', 5_000, 'the order linked');
    assert.equal(c1.connection().status.summary().queueDepth, 0);
  });

  it('with only tg-status deployed, a background failure still reaches the Catch node, once', async () => {
    queue(dbFile(), [91010]);
    env.tg.faults.configure({ status: 422, code: 'validation_failed', count: 1, path: '/orders' });
    const caught: Array<{ error: { message: string; source: { id: string } }; orderId?: string }> = [];
    await helper.load(
      [...nodes, dist('tg-push-order.js'), dist('framework360-config.js')],
      [
        ...flow(),
        { id: 's2', type: 'tg-status', connection: 'c1', path: '/totalgest/life2', lang: 'en', wires: [[]] },
        { id: 'ca', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper' },
      ],
      { ...creds, s2: { token: 't2' } },
    );
    helper.getNode('caught').on('input', (m: (typeof caught)[number]) => caught.push(m));
    await waitFor(() => caught.length > 0, 10_000, 'the failure at the Catch node');
    await waitFor(() => helper.getNode('c1').connection().orders.get('91010')?.state === 'failed', 5_000, 'failed');
    assert.equal(caught.length, 1, 'once, not once per status node');
    assert.equal(caught[0]!.orderId, '91010');
    assert.match(caught[0]!.error.message, /order 91010 failed/);
    assert.equal(caught[0]!.error.source.id, 's1');
  });

  it('a push node on the same connection reports instead of the status node', async () => {
    queue(dbFile(), [91011]);
    env.tg.faults.configure({ status: 422, code: 'validation_failed', count: 1, path: '/orders' });
    const caught: Array<{ error: { message: string; source: { id: string } } }> = [];
    await helper.load(
      [...nodes, dist('tg-push-order.js'), dist('framework360-config.js')],
      [
        ...flow(),
        { id: 'f1', type: 'framework360-config', siteUrl: env.fw.url },
        { id: 'p1', type: 'tg-push-order', connection: 'c1', framework360: 'f1', wires: [[]] },
        { id: 'ca', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper' },
      ],
      creds,
    );
    helper.getNode('caught').on('input', (m: (typeof caught)[number]) => caught.push(m));
    await waitFor(() => caught.length > 0, 10_000, 'the failure at the Catch node');
    await waitFor(() => helper.getNode('c1').connection().orders.get('91011')?.state === 'failed', 5_000, 'failed');
    assert.equal(caught.length, 1);
    assert.equal(caught[0]!.error.source.id, 'p1');
  });

  it('a redeployed connection (stop, then a new one on the same file) sends what was queued meanwhile, once', async () => {
    queue(dbFile(), [91002]);
    await helper.load(nodes, flow(), creds);
    await waitFor(() => exported('FW360-91002') === 1, 10_000, 'the first order in TotalGest');
    const first = helper.getNode('c1').connection();
    // The config node changes (its name): Node-RED closes it and creates a new one on the same database file.
    await helper.setFlows(flow('renamed'), 'nodes', creds);
    assert.equal(first.isClosed, true, 'the old connection was stopped');
    const second = helper.getNode('c1').connection();
    assert.notEqual(second, first);
    // Queued while deployed (by another process on the file, say): the new worker finds it on its next turn.
    const db = openStateDatabase(dbFile());
    const client = new TotalGestClient({ endpoint: env.tg.url, ...demoCredentials });
    try {
      const ex = new OrderExporter(client, new OrderStore(db), () => undefined, { dbKey: `seed-${dbFile()}` });
      assert.equal(ex.submit(order(91003)).outcome, 'queued');
    } finally {
      client.close();
      db.close();
    }
    second.exporter.kick();
    await waitFor(() => exported('FW360-91003') === 1, 10_000, 'the order queued after the redeploy');
    await waitFor(() => second.orders.get('91003')?.state === 'done', 5_000, 'the order linked');
    assert.equal(exported('FW360-91002'), 1);
  });
});

describe('TotalGestConnection: start() and stop()', function () {
  this.timeout(60_000);
  const env = nodeRedWithSandboxes('tg-life-engine-');
  const dbFile = () => path.join(env.userDir, 'state.sqlite');
  const connections: TotalGestConnection[] = [];
  const connect = () => {
    const c = new TotalGestConnection(
      { endpoint: env.tg.url, ...demoCredentials, retry: { baseDelayMs: 10, maxDelayMs: 50 } },
      dbFile(),
    );
    connections.push(c);
    return c;
  };
  afterEach(async () => {
    for (const c of connections.splice(0)) await c.stop();
  });

  it('reading its state starts nothing: the exporter exists only after start()', () => {
    const c = connect();
    assert.equal(c.status.summary().queueDepth, 0);
    assert.throws(() => c.exporter, /not started/);
    c.start();
    assert.ok(c.exporter);
    c.start(); // idempotent
    assert.equal(c.exporter, c.exporter);
  });

  it('two started connections on one database file send each queued order once', async () => {
    const a = connect();
    const b = connect();
    a.start();
    b.start();
    const ids = Array.from({ length: 40 }, (_, i) => 92000 + i);
    // Half through each connection's intake: both workers claim from the one queue.
    for (const id of ids) {
      const via = id % 2 ? a : b;
      assert.equal(via.exporter.submit(order(id)).outcome, 'queued');
    }
    await waitFor(() => ids.every((id) => a.orders.get(String(id))?.state === 'done'), 20_000, 'every order linked');
    const refs = env.tg.orders.map((o) => o.externalRef).filter((r) => r.startsWith('FW360-920'));
    assert.equal(refs.length, ids.length);
    assert.equal(new Set(refs).size, ids.length, 'an order reached TotalGest twice');
  });

  it('stop() is final: the exporter and the database are released and start() refuses', async () => {
    const c = connect();
    c.start();
    await c.stop();
    assert.equal(c.isClosed, true);
    assert.throws(() => c.exporter, /closed/);
    assert.throws(() => c.start(), /closed/);
  });

  it('keeps the start failure (a state database that cannot be opened) and names it', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tg-life-ro-'));
    try {
      // A directory where the database file should be: opening it fails.
      const file = path.join(dir, 'state.sqlite');
      mkdirSync(file);
      const c = new TotalGestConnection({ endpoint: env.tg.url, ...demoCredentials }, file);
      connections.push(c);
      const errors: unknown[] = [];
      c.on('start_error', (err: unknown) => errors.push(err));
      c.start();
      assert.equal(errors.length, 1);
      assert.ok(c.startFailure instanceof Error);
      assert.throws(
        () => c.exporter,
        (err: unknown) => err === c.startFailure,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('tries the start again until the state database opens, then sends what is queued', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tg-life-retry-'));
    const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'], shouldClearNativeTimers: false });
    try {
      const file = path.join(dir, 'state.sqlite');
      mkdirSync(file);
      const c = new TotalGestConnection({ endpoint: env.tg.url, ...demoCredentials }, file);
      connections.push(c);
      c.start();
      assert.ok(c.startFailure instanceof Error);
      // The fault goes away (the directory in the way is removed); the next try opens the database.
      rmSync(file, { recursive: true });
      clock.tick(30_000);
      clock.restore();
      assert.equal(c.startFailure, undefined);
      assert.equal(c.exporter.submit(order(93001)).outcome, 'queued');
      await waitFor(() => c.orders.get('93001')?.state === 'done', 10_000, 'the order linked');
    } finally {
      clock.restore();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
