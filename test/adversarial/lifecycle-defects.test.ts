/**
 * Adversarial reproductions for issue 11 (review R-11). Each test asserts what the promise
 * requires; a failing test is a proven defect (see the review report). Real HTTP on loopback
 * against the sandboxes, a real state database, OrderExporter driven directly.
 */
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import sinon from 'sinon';
import { idempotencyKey } from '../../src/core/order-mapping';
import { prepareOrder } from '../../src/engine/order-prepare';
import { Reconciler } from '../../src/engine/reconciler';
import { ReconcileStore } from '../../src/store/reconcile-store';
import { Framework360Client } from '../../src/framework360/client';
import { openStateDatabase } from '../../src/store/state-db';
import { CANCELLED, orderExporterHarness, paidOrder as order, realDelay, until } from '../helpers/order-exporter';

describe('order lifecycle regressions found by adversarial review (each once a failing reproduction)', function () {
  this.timeout(60_000);
  const h = orderExporterHarness({ tmpPrefix: 'tg-adv-', framework360: true });
  const { exporter, posts, inTotalGest } = h;

  it('D1: a cancelled order whose withdraw-check died during an outage is exported by `retry`', async () => {
    // Every /orders call fails with a 500 (the request may have reached TotalGest: maybeSent).
    h.tg.faults.configure({ status: 500, forSeconds: 3_600, path: '/orders' });
    const { ex } = exporter({
      sendPolicy: { maxAttempts: 1 },
      timing: { baseDelayMs: 20, maxDelayMs: 40, maxAgeMs: 400 },
    });
    ex.start();
    const t0 = Date.now();
    assert.equal(ex.submit(order(81001), { sentAt: t0 }).outcome, 'queued');
    await until(() => ex.store.get('81001')?.maybe_sent === 1, 'a first attempt that may have reached TotalGest');
    // The customer cancels while the outage lasts.
    assert.equal(ex.submit(order(81001, CANCELLED), { sentAt: t0 + 1_000 }).outcome, 'withdrawn');
    assert.equal(ex.store.get('81001')!.action, 'verify_withdraw');
    await until(() => ex.store.get('81001')?.state === 'dead', 'the withdraw check to give up');
    // The outage ends; the operator retries everything that died in it.
    h.tg.faults.reset();
    ex.retry('all');
    await until(
      () => ['done', 'skipped', 'needs_review'].includes(ex.store.get('81001')!.state),
      'the retried job to settle',
    );
    assert.deepEqual(
      inTotalGest('FW360-81001').map((o) => o.externalRef),
      [],
      `a cancelled order reached TotalGest; row: ${JSON.stringify(ex.store.get('81001')!.state)}`,
    );
  });

  it('D2: the reconcile sweep races a cancellation: the stale listed copy (no data_modifica) overrides it and is exported', async () => {
    const { ex } = exporter();
    ex.start();
    // An order placed without data_modifica (the spec: "when present"), paid; its webhook was lost.
    h.fw.placeOrder({ id: 82001, data_modifica: undefined }, false);
    const f360 = new Framework360Client({ siteUrl: h.fw.url, apiKey: 'demo-key' });
    const db = openStateDatabase(path.join(h.dir, 'sweep.sqlite'));
    h.closeAfter(db);
    const reconciler = new Reconciler(f360, ex.store, new ReconcileStore(db), { statuses: [] });
    let cancelled = false;
    const summary = await reconciler.sweep({
      intake: async (raw) => {
        if (!cancelled) {
          // Between the sweep's orders/list and its intake of that page, the customer cancels;
          // the shop's order.updated webhook (with data_modifica) is taken in at once.
          cancelled = true;
          const { order: now } = h.fw.updateOrder(82001, CANCELLED, false);
          const hook = ex.submit(now, { sentAt: Date.parse(String(now.data_modifica)) });
          assert.equal(hook.outcome, 'skipped');
        }
        return ex.submit(raw);
      },
    });
    assert.equal(summary.checked, 1);
    await until(
      () => ex.worker.sending === 0 && ex.store.get('82001')!.state !== 'pending',
      'the sweep result to settle',
    );
    const row = ex.store.get('82001')!;
    assert.equal(
      row.state,
      'skipped',
      `the cancelled order ended ${row.state}; TotalGest holds ${inTotalGest('FW360-82001').length} document(s)`,
    );
    assert.equal(inTotalGest('FW360-82001').length, 0);
  });

  it('D2b: clock skew — an {orderIds}/manual copy without data_modifica takes Node-RED time and a later cancellation webhook is "stale"', async () => {
    // The shop's clock is 2 s behind Node-RED's (any skew will do).
    const skew = 2_000;
    const { ex } = exporter({ timing: { baseDelayMs: 60_000, maxDelayMs: 60_000, maxAgeMs: 3_600_000 } });
    h.tg.faults.configure({ status: 503, forSeconds: 3_600, path: '/orders' }); // outage: the job waits
    ex.start();
    // Fetched by {orderIds} (no sentAt; the order has no data_modifica): eventAt = Node-RED now.
    assert.equal(ex.submit(order(82002)).outcome, 'queued');
    await until(
      () => ex.store.get('82002')?.attempts === 1 && ex.store.get('82002')?.state === 'pending',
      'the first attempt',
    );
    // One second later (true time) the customer cancels; the webhook's sentAt is the shop clock.
    await realDelay(1_000);
    const r = ex.submit(order(82002, CANCELLED), { sentAt: Date.now() - skew });
    assert.notEqual(r.outcome, 'stale', 'a real cancellation, newer than the paid copy, was ignored as stale');
  });

  it('D3: a send that ends with 201 during stop() grace is not recorded: job goes back to pending and is sent again', async () => {
    h.tg.faults.configure({ latencyMs: 300 });
    const a = exporter({ stopGraceMs: 5_000 });
    a.ex.start();
    assert.equal(a.ex.submit(order(83001)).outcome, 'queued');
    await until(() => posts().length === 1, 'the POST to arrive at TotalGest');
    await a.ex.stop(); // redeploy: the send finishes well inside the grace time
    assert.equal(inTotalGest('FW360-83001').length, 1, 'TotalGest holds the document');
    const after = a.ex.store.get('83001')!;
    assert.equal(after.state, 'done', `the 201 that came during the grace time was dropped: state ${after.state}`);
  });

  it('D4: a job taken over from a crashed process (expired lease) loses "maybe sent": a later cancellation is dropped next to a document in TotalGest', async () => {
    const file = path.join(h.dir, 'state.sqlite');
    const b = exporter(
      { sendPolicy: { maxAttempts: 1 }, timing: { baseDelayMs: 60_000, maxDelayMs: 60_000, maxAgeMs: 3_600_000 } },
      file,
    );
    b.ex.start(); // process B runs (its start-up orphan release saw nothing)
    // Process A (same host, another pid) took order 84001 and sent it; TotalGest created the
    // document, then A crashed before recording the answer. Its row: sending, lease expired.
    const store = b.ex.store;
    const at = Date.now();
    store.applyIntake(
      {
        orderId: '84001',
        externalRef: 'FW360-84001',
        idempotencyKey: 'x',
        verdict: { kind: 'skip', reason: 'not_paid', message: 'placeholder' },
        event: { at: at - 10, fromShop: true },
      },
      at,
    );
    // The real document and key, as A sent them.
    const paid = order(84001);
    const { ex: mapper } = exporter({}, path.join(h.dir, 'mapper.sqlite'));
    const doc = mapper.submit(paid, { dryRun: true }).document!;
    const key = idempotencyKey(b.client.shopId, 'FW360-84001');
    await b.client.createOrder(doc, key); // A's request, processed by TotalGest
    assert.equal(inTotalGest('FW360-84001').length, 1);
    const prepared = prepareOrder(paid);
    const v = prepared.verdict as { document: string; docHash: string; total: string };
    b.db
      .prepare(
        `UPDATE orders SET state='sending', document=?, doc_hash=?, total=?, idempotency_key=?, attempts=1, maybe_sent=0,
         queued_at=?, lease_owner=?, lease_until=?, event_at=? WHERE order_id='84001'`,
      )
      .run(v.document, v.docHash, v.total, key, at, `${os.hostname()}|4194000|deadbeef`, at - 1, at);
    // B takes the expired lease over; TotalGest answers its attempt with a 503 (never processed).
    h.tg.faults.configure({ status: 503, count: 1, path: '/orders' });
    b.ex.kick();
    await until(
      () => store.get('84001')?.state === 'pending' && store.get('84001')?.lease_owner === null,
      'B to take the job over',
    );
    // Now the customer cancels.
    const r = b.ex.submit(order(84001, CANCELLED), { sentAt: Date.now() });
    await until(() => ['skipped', 'needs_review'].includes(store.get('84001')!.state), 'the cancellation to settle');
    const row = store.get('84001')!;
    assert.equal(
      row.state,
      'needs_review',
      `cancellation answered "${r.outcome}", order ${row.state}, yet TotalGest holds ${inTotalGest('FW360-84001').length} document for it`,
    );
  });

  it('D5: two changes within one data_modifica second: an out-of-order older paid event overrides the cancellation', async () => {
    const { ex } = exporter();
    h.tg.faults.configure({ status: 503, forSeconds: 3_600, path: '/orders' }); // nothing leaves; only the decision matters
    ex.start();
    const t = Date.parse('2026-11-29T12:00:00Z');
    // The cancellation (sent second) overtakes the paid event (sent first); both carry the same data_modifica second.
    assert.equal(
      ex.submit(order(85001, { ...CANCELLED, data_modifica: '2026-11-29T12:00:00Z' }), { sentAt: t + 800 }).outcome,
      'skipped',
    );
    const r = ex.submit(order(85001, { data_modifica: '2026-11-29T12:00:00Z' }), { sentAt: t + 300 });
    assert.equal(r.outcome, 'stale', `the older paid event was taken: ${r.outcome}`);
  });

  it('D6: the externalRef prefix changed while a maybe-sent job waits: a redelivery queues a second document', async () => {
    const file = path.join(h.dir, 'state.sqlite');
    const { ex, client } = exporter(
      { sendPolicy: { maxAttempts: 1 }, timing: { baseDelayMs: 300, maxDelayMs: 300, maxAgeMs: 3_600_000 } },
      file,
    );
    // The first request reached TotalGest but its answer was lost: TotalGest holds FW360-86001 (same key, same body).
    const first = ex.submit(order(86001), { sentAt: 1 });
    assert.equal(first.outcome, 'queued');
    h.tg.faults.configure({ status: 502, count: 1, path: '/orders' });
    ex.start();
    await until(() => ex.store.get('86001')?.maybe_sent === 1, 'an attempt without a definite answer');
    const row = ex.store.get('86001')!;
    await client.createOrder(JSON.parse(row.document!), row.idempotency_key!); // what the lost request did
    // The admin sets a prefix on this shop's connection; the shop redelivers the (same) event.
    ex.submit(order(86001), {
      sentAt: 2,
      rules: {
        rule: { cancelledStatuses: ['5', 'Annullato'], cashOnDelivery: true },
        refPrefix: 'SHOPA-',
        currency: 'CHF',
      },
    });
    await until(() => ex.store.get('86001')!.state !== 'pending' && ex.worker.sending === 0, 'the job to settle');
    const docs = h.tg.orders.filter((o) => o.externalRef.endsWith('86001')).map((o) => o.externalRef);
    assert.deepEqual(
      docs,
      ['FW360-86001'],
      `one Framework360 order, ${docs.length} TotalGest documents: ${docs.join(', ')}`,
    );
  });
  it('D7: an edit queued over a maybe-sent version is linked silently once TotalGest forgot the key (outage > 24 h)', async () => {
    const clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
    try {
      const { ex, client } = exporter({
        sendPolicy: { maxAttempts: 1 },
        timing: { baseDelayMs: 3_600_000, maxDelayMs: 3_600_000 },
      });
      h.tg.faults.configure({ status: 502, count: 1, path: '/orders' });
      ex.start();
      assert.equal(ex.submit(order(87001), { sentAt: 1 }).outcome, 'queued');
      await until(
        () => ex.store.get('87001')?.maybe_sent === 1 && ex.worker.sending === 0,
        'an attempt without a definite answer',
      );
      const row = ex.store.get('87001')!;
      await client.createOrder(JSON.parse(row.document!), row.idempotency_key!); // what the lost request did
      // During the outage the shop edits the delivery address (same total) and the event arrives.
      const edited = order(87001, {
        dati_spedizione: {
          ...order(87001).dati_fatturazione,
          indirizzo: 'Bahnhofstrasse 1',
          comune: 'Zürich',
          cap: '8001',
        },
      });
      assert.equal(ex.submit(edited, { sentAt: 2 }).outcome, 'queued');
      clock.setSystemTime(Date.now() + 25 * 3_600_000); // the outage lasted a day: TotalGest's key window is over
      ex.kick();
      await until(
        () => ex.store.get('87001')!.state !== 'pending' && ex.worker.sending === 0,
        'the edited version to settle',
      );
      const after = ex.store.get('87001')!;
      assert.equal(
        after.state,
        'needs_review',
        `TotalGest holds the old address, the order is ${after.state} (${after.error ?? 'no error'})`,
      );
    } finally {
      clock.restore();
    }
  });

  it('D8: after acknowledge, the next unrelated update of the order (e.g. shipped) reopens the same review', async () => {
    const { ex } = exporter();
    ex.start();
    assert.equal(ex.submit(order(88001), { sentAt: 1 }).outcome, 'queued');
    await until(() => ex.store.get('88001')?.state === 'done', 'the export');
    const edited = order(88001, { note: 'please ring twice', totale: '32.80' });
    const lines = order(88001).carrello as Array<Record<string, unknown>>;
    edited.carrello = [{ ...lines[0], nome: 'Caffè in grani 250 g (nuova ricetta)' }, ...lines.slice(1)];
    assert.equal(ex.submit(edited, { sentAt: 2 }).outcome, 'needs_review');
    assert.deepEqual(ex.acknowledge(['88001']), ['88001']); // a person fixed TotalGest by hand
    // The shop marks the order shipped: same document as the reviewed version.
    const r = ex.submit({ ...edited, stato: { id: 4, nome: 'Spedito' } }, { sentAt: 3 });
    assert.notEqual(r.outcome, 'needs_review', `the reviewed change is raised again: ${r.message ?? ''}`);
  });
  it('D9: a send whose record hit a locked database is recorded once it is free, not left "sending" under a renewed lease', async function () {
    this.timeout(60_000);
    const file = path.join(h.dir, 'state.sqlite');
    const leaseMs = 9_000; // renewed every 3 s
    const { ex } = exporter({ leaseMs, sendPolicy: { maxAttempts: 1 } }, file);
    const errors: unknown[] = [];
    ex.on('worker_error', (e: unknown) => errors.push(e));
    // Order Y's POST hangs (a slow TotalGest answer): there is always a send in flight.
    h.tg.faults.configure({ latencyMs: 1_000, rules: [{ hang: true, count: 1, path: '/orders' }] });
    ex.start();
    assert.equal(ex.submit(order(89001)).outcome, 'queued');
    await until(() => posts().length === 1, "Y's POST");
    // Start right after a lease renewal, so the next one does not fall into the locked stretch.
    const yLease = ex.store.get('89001')!.lease_until!;
    await until(() => ex.store.get('89001')!.lease_until! > yLease, 'a renewal of Y', 1_000);
    assert.equal(ex.submit(order(89002)).outcome, 'queued');
    await until(() => posts().length === 2, "X's POST");
    // Another process on the same database holds its write lock while X's 201 comes back (SQLITE_BUSY after busy_timeout).
    const other = openStateDatabase(file);
    h.closeAfter(other);
    other.exec('BEGIN IMMEDIATE');
    await until(() => errors.length > 0, 'the worker to hit the locked database');
    other.exec('COMMIT');
    assert.equal(inTotalGest('FW360-89002').length, 1, 'X is in TotalGest');
    // The record is kept and written once the database is free again: X is linked, not left "sending" under a renewed lease.
    await until(() => ex.store.get('89002')!.state === 'done', 'X recorded after the lock', 1_500);
    const x = ex.store.get('89002')!;
    assert.equal(x.totalgest_id, inTotalGest('FW360-89002')[0]!.id);
    assert.equal(ex.worker.sending, 1, 'only Y is in flight');
  });
});
