/**
 * Adversarial sequences for issue 11 (review R-11) that the change survives: they pass. Real HTTP on loopback
 * against the sandboxes, a real state database, OrderExporter driven directly.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OrderExporter, type Transition } from '../../src/engine/order-exporter';
import type { Framework360Sandbox } from '../../src/sandbox/framework360-sandbox';
import type { TotalGestSandbox } from '../../src/sandbox/totalgest-sandbox';
import { OrderStore } from '../../src/store/order-store';
import { openStateDatabase, type StateDatabase } from '../../src/store/state-db';
import { TotalGestClient } from '../../src/totalgest/client';
import { fixtures } from '../helpers/fixtures';
import { demoCredentials, startFramework360, startTotalGest } from '../helpers/sandboxes';

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, what: string, tries = 1_500): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (cond()) return;
    await delay(10);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const order = (id: number, over: Record<string, unknown> = {}): Record<string, any> => ({
  ...structuredClone(fixtures.find(([f]) => f.startsWith('01'))![1].order),
  id,
  ...over,
});
const CANCELLED = { stato: { id: 5, nome: 'Annullato' } };

describe('adversarial: sequences that held (issue 11)', function () {
  this.timeout(60_000);
  let tg: TotalGestSandbox;
  let fw: Framework360Sandbox;
  let dir: string;
  const open: Array<{ stop(): Promise<void> }> = [];
  const dbs: StateDatabase[] = [];
  const clients: TotalGestClient[] = [];

  before(async () => {
    tg = await startTotalGest();
    fw = await startFramework360();
  });
  after(async () => {
    await tg.stop();
    await fw.stop();
  });
  beforeEach(() => {
    tg.reset();
    fw.reset();
    dir = mkdtempSync(path.join(os.tmpdir(), 'tg-adv-'));
  });
  afterEach(async () => {
    for (const e of open.splice(0)) await e.stop();
    for (const c of clients.splice(0)) c.close();
    for (const db of dbs.splice(0)) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const posts = () => tg.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/orders'));
  const inTotalGest = (ref: string) => tg.orders.filter((o) => o.externalRef === ref);
  function exporter(opts: ConstructorParameters<typeof OrderExporter>[3] = {}, file = path.join(dir, 'state.sqlite')) {
    const db = openStateDatabase(file);
    dbs.push(db);
    const client = new TotalGestClient({
      endpoint: tg.url,
      ...demoCredentials,
      retry: { baseDelayMs: 10, maxDelayMs: 50 },
    });
    clients.push(client);
    const ex = new OrderExporter(client, new OrderStore(db), () => undefined, { dbKey: file, ...opts });
    const transitions: Transition[] = [];
    ex.on('transition', (t: Transition) => transitions.push(t));
    open.push(ex);
    return { ex, db, client, transitions };
  }

  it('H1: cancellation during an in-flight send that TotalGest accepts → needs_review naming it; one document', async () => {
    tg.faults.configure({ latencyMs: 400 });
    const { ex } = exporter();
    ex.start();
    ex.submit(order(91001), { sentAt: 1 });
    await until(() => posts().length === 1, 'the POST');
    assert.equal(ex.submit(order(91001, CANCELLED), { sentAt: 2 }).outcome, 'deferred');
    await until(() => ex.store.get('91001')!.state === 'needs_review', 'review');
    assert.match(ex.store.get('91001')!.error!, /cancelled after it reached TotalGest document/);
    assert.equal(inTotalGest('FW360-91001').length, 1);
  });

  it('H2: an edit queued over a maybe-sent version inside the key window → needs_review, no second document', async () => {
    const { ex, client } = exporter({ sendPolicy: { maxAttempts: 1 }, timing: { baseDelayMs: 200, maxDelayMs: 200 } });
    tg.faults.configure({ status: 502, count: 1, path: '/orders' });
    ex.start();
    ex.submit(order(92001), { sentAt: 1 });
    await until(() => ex.store.get('92001')?.maybe_sent === 1 && ex.worker.sending === 0, 'a maybe-sent attempt');
    const row = ex.store.get('92001')!;
    await client.createOrder(JSON.parse(row.document!), row.idempotency_key!);
    const edited = order(92001, { carrello: [{ ...order(1).carrello[0], quantita: 3 }], totale: '45.70' });
    assert.equal(ex.submit(edited, { sentAt: 2 }).outcome, 'queued');
    await until(() => ex.store.get('92001')!.state === 'needs_review', 'review');
    assert.equal(inTotalGest('FW360-92001').length, 1);
  });

  it('H3: 409 idempotency_request_in_progress is retried, never linked without a document', async () => {
    tg.faults.configure({ status: 409, code: 'idempotency_request_in_progress', count: 2, path: '/orders' });
    const { ex } = exporter({ sendPolicy: { maxAttempts: 1 }, timing: { baseDelayMs: 20, maxDelayMs: 40 } });
    ex.start();
    ex.submit(order(93001));
    await until(() => ex.store.get('93001')!.state === 'done', 'the export');
    assert.equal(ex.store.get('93001')!.totalgest_id, inTotalGest('FW360-93001')[0]!.id);
  });

  it('H4: stop while a send outlives the grace time, restart on the same database: exactly one document', async () => {
    const file = path.join(dir, 'state.sqlite');
    tg.faults.configure({ latencyMs: 800 });
    const a = exporter({ stopGraceMs: 50 }, file);
    a.ex.start();
    a.ex.submit(order(94001));
    await until(() => posts().length === 1, 'the POST');
    await a.ex.stop();
    const b = exporter({}, file);
    b.ex.start();
    await until(() => b.ex.store.get('94001')!.state === 'done', 'the export after restart');
    assert.equal(inTotalGest('FW360-94001').length, 1);
  });
});
