import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import sinon from 'sinon';
import { orderExporterHarness, paidOrder as order, realDelay, until } from '../helpers/order-exporter';

/** The order exporter driven directly (no Node-RED), with real HTTP to the TotalGest sandbox and a real state database. */
describe('order lifecycle against the TotalGest sandbox', function () {
  this.timeout(60_000);
  // Registered before the harness's hooks: the fake clock goes before the exporters are stopped.
  afterEach(() => sinon.restore());
  const h = orderExporterHarness({ tmpPrefix: 'tg-life-' });
  const { exporter, posts } = h;

  it('a 60 s outage with Retry-After 1 ends in one export, not in dead (fake clock)', async () => {
    const clock = sinon.useFakeTimers({
      now: Date.now(),
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
    });
    h.tg.faults.configure({ status: 503, retryAfter: 1, forSeconds: 60, path: '/orders' });
    const { ex, transitions } = exporter({ sendPolicy: { maxAttempts: 1 } });
    ex.start();
    assert.equal(ex.submit(order(70001)).outcome, 'queued');
    const t0 = Date.now();
    // Advance the clock a second at a time, letting real I/O (the HTTP round trips) finish in between.
    for (let i = 0; i < 600 && ex.store.get('70001')?.state !== 'done'; i++) {
      await realDelay(5);
      await until(() => ex.worker.sending === 0, 'the send in flight');
      await clock.tickAsync(1_000);
    }
    const row = ex.store.get('70001')!;
    assert.equal(row.state, 'done');
    assert.equal(h.tg.orders.length, 1);
    assert.ok(Date.now() - t0 >= 60_000, 'exported only after the outage');
    assert.ok(row.attempts >= 5, `${row.attempts} attempts`);
    assert.deepEqual(
      transitions.map((t) => t.to).filter((s) => s === 'dead'),
      [],
    );
    // No request before the Retry-After of the previous answer (server clock = the shared fake clock).
    const times = posts().map((r) => r.at);
    for (let i = 1; i < times.length; i++)
      assert.ok(times[i]! - times[i - 1]! >= 1_000, `request ${i} came ${times[i]! - times[i - 1]!} ms after the last`);
  });

  it('past the age limit the job is dead; a redelivery queues it again and it is exported once', async () => {
    h.tg.faults.configure({ status: 503, retryAfter: 0, count: 1_000_000, path: '/orders' });
    const { ex, transitions } = exporter({
      timing: { baseDelayMs: 10, maxDelayMs: 20, maxAgeMs: 300 },
      sendPolicy: { maxAttempts: 1 },
    });
    ex.start();
    ex.submit(order(70002));
    await until(() => ex.store.get('70002')?.state === 'dead', 'dead');
    assert.equal(transitions.filter((t) => t.to === 'dead').length, 1);
    assert.match(ex.store.get('70002')!.error!, /^gave up after \d+ attempts/);
    h.tg.faults.reset();
    assert.equal(ex.submit(order(70002)).outcome, 'queued');
    await until(() => ex.store.get('70002')?.state === 'done', 'done');
    assert.equal(h.tg.orders.length, 1);
  });

  it('409 idempotency_request_in_progress never links: retried until TotalGest answers with a document', async () => {
    h.tg.faults.configure({ status: 409, code: 'idempotency_request_in_progress', count: 2, path: '/orders' });
    const { ex } = exporter({ timing: { baseDelayMs: 10, maxDelayMs: 20 } });
    ex.start();
    ex.submit(order(70003));
    await until(() => ex.store.get('70003')?.state === 'done', 'done');
    const row = ex.store.get('70003')!;
    assert.equal(row.totalgest_id, h.tg.orders[0]!.id);
    assert.match(row.number!, /^\d{4}-\d{6}$/);
    assert.equal(posts().length, 3);
  });

  it('any other 409 is transient, not a link', async () => {
    h.tg.faults.configure({ status: 409, code: 'conflict_something_else', count: 1, path: '/orders' });
    const { ex } = exporter({ timing: { baseDelayMs: 10, maxDelayMs: 20 } });
    ex.start();
    ex.submit(order(70004));
    await until(() => ex.store.get('70004')?.state === 'done', 'done');
    assert.equal(ex.store.get('70004')!.totalgest_id, h.tg.orders[0]!.id);
  });

  it('a lease shorter than a Retry-After pause is renewed: a second process never sends the job meanwhile', async () => {
    // Two workers on one database as two processes would be (separate registries): A's send sleeps through a
    // Retry-After of 2 s inside its attempt, with a lease of 300 ms.
    h.tg.faults.configure({ status: 503, retryAfter: 2, count: 1, path: '/orders' });
    const a = exporter(
      { leaseMs: 300, sendPolicy: { maxAttempts: 2, maxTotalMs: 10_000 } },
      path.join(h.dir, 'shared.sqlite'),
    );
    a.ex.start();
    a.ex.submit(order(70005));
    await until(() => posts().length === 1, 'the first request');
    const b = exporter({ leaseMs: 300, dbKey: 'another-process' }, path.join(h.dir, 'shared.sqlite'));
    b.ex.start();
    await until(() => a.ex.store.get('70005')?.state === 'done', 'done');
    assert.equal(posts().length, 2, 'A sent twice (the 503, then after Retry-After); B never');
    assert.equal(h.tg.orders.length, 1);
    assert.equal(b.transitions.length, 0);
  });

  it('a job leased by a live process is left alone at start; one leased by a dead process is sent at once', async () => {
    const file = path.join(h.dir, 'leases.sqlite');
    const seed = exporter({}, file);
    seed.ex.submit(order(70006));
    seed.ex.submit(order(70007));
    const store = seed.ex.store;
    store.claimDue(Date.now(), 1, 3_600_000, `${os.hostname()}|${process.ppid}|alive`, ['70007']);
    store.claimDue(Date.now(), 1, 3_600_000, `${os.hostname()}|99999999|gone`, ['70006']);
    const { ex } = exporter({}, file);
    ex.start();
    await until(() => ex.store.get('70007')?.state === 'done', 'the orphaned job');
    assert.equal(ex.store.get('70006')!.state, 'sending');
    assert.equal(ex.store.get('70006')!.lease_owner, `${os.hostname()}|${process.ppid}|alive`);
    assert.deepEqual(
      h.tg.orders.map((o) => o.externalRef),
      ['FW360-70007'],
    );
  });

  it('stop hands a hanging send back to the queue within its grace time', async () => {
    h.tg.faults.configure({ hang: true, count: 1, path: '/orders' });
    const file = path.join(h.dir, 'stop.sqlite');
    const { ex } = exporter({ stopGraceMs: 100 }, file);
    ex.start();
    ex.submit(order(70008));
    await until(() => posts().length === 1, 'the hanging request');
    await ex.stop();
    const row = ex.store.get('70008')!;
    assert.deepEqual([row.state, row.lease_owner, row.maybe_sent], ['pending', null, 1]);
    h.tg.faults.reset();
  });

  it('a change that arrives during the send is applied when it ends: cancelled after creation → needs review', async () => {
    h.tg.faults.configure({ latencyMs: 300 });
    const { ex, transitions } = exporter();
    ex.start();
    const paid = order(70009);
    ex.submit(paid, { sentAt: Date.now() - 1000 });
    await until(() => ex.store.get('70009')?.state === 'sending', 'sending');
    const r = ex.submit({ ...paid, stato: { id: 5, nome: 'Annullato' } }, { sentAt: Date.now() });
    assert.equal(r.outcome, 'deferred');
    await until(() => ex.store.get('70009')?.state === 'needs_review', 'needs review');
    const row = ex.store.get('70009')!;
    assert.match(row.error!, /^cancelled after it reached TotalGest document \d{4}-\d{6}$/);
    assert.deepEqual(
      transitions.map((t) => t.to),
      ['pending', 'needs_review'],
    );
    assert.equal(h.tg.orders.length, 1);
  });

  it('prunes webhook delivery ids after their window', async () => {
    const { ex } = exporter({ deliveryRetentionMs: 60_000 });
    const now = Date.now();
    const clock = sinon.useFakeTimers({ now: now - 120_000, toFake: ['Date'] });
    ex.submit(order(70010), { deliveryId: 'old-delivery' });
    clock.setSystemTime(now);
    ex.submit(order(70011), { deliveryId: 'new-delivery' });
    ex.start();
    assert.equal(ex.store.deliveryOrder('old-delivery'), undefined);
    assert.equal(ex.store.deliveryOrder('new-delivery'), '70011');
  });
});
