/**
 * Adversarial sequences for issue 11 (review R-11) that the change survives: they pass. Real HTTP on loopback
 * against the sandboxes, a real state database, OrderExporter driven directly.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { CANCELLED, orderExporterHarness, paidOrder as order, until } from '../helpers/order-exporter';

describe('adversarial: sequences that held (issue 11)', function () {
  this.timeout(60_000);
  const h = orderExporterHarness({ tmpPrefix: 'tg-adv-' });
  const { exporter, posts, inTotalGest } = h;

  it('H1: cancellation during an in-flight send that TotalGest accepts → needs_review naming it; one document', async () => {
    h.tg.faults.configure({ latencyMs: 400 });
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
    h.tg.faults.configure({ status: 502, count: 1, path: '/orders' });
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
    h.tg.faults.configure({ status: 409, code: 'idempotency_request_in_progress', count: 2, path: '/orders' });
    const { ex } = exporter({ sendPolicy: { maxAttempts: 1 }, timing: { baseDelayMs: 20, maxDelayMs: 40 } });
    ex.start();
    ex.submit(order(93001));
    await until(() => ex.store.get('93001')!.state === 'done', 'the export');
    assert.equal(ex.store.get('93001')!.totalgest_id, inTotalGest('FW360-93001')[0]!.id);
  });

  it('H4: stop while a send outlives the grace time, restart on the same database: exactly one document', async () => {
    const file = path.join(h.dir, 'state.sqlite');
    h.tg.faults.configure({ latencyMs: 800 });
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
