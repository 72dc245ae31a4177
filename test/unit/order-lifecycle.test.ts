import assert from 'node:assert/strict';
import {
  acknowledgePatch,
  CLOCK_SKEW_MS,
  intake,
  ORDER_STATES,
  isStale,
  retryDelay,
  retryPatch,
  sameAmount,
  settle,
  type EventTime,
  type JobSnapshot,
  type OrderState,
  type SendResult,
  type Verdict,
  verdictKey,
} from '../../src/core/order-lifecycle';

const NOW = 1_000_000_000;
/** A shop event (its own clock) at `at`. */
const shop = (at: number, tie?: number): EventTime => ({ at, tie, fromShop: true });
const timing = { baseDelayMs: 2_000, maxDelayMs: 900_000, maxAgeMs: 72 * 3_600_000 };
const doc = (hash: string, total = '32.80'): Verdict => ({
  kind: 'export',
  document: `{"h":"${hash}"}`,
  docHash: hash,
  total,
});
const cancelled: Verdict = { kind: 'skip', reason: 'cancelled', message: 'order 1 skipped: cancelled' };
const notPaid: Verdict = { kind: 'skip', reason: 'not_paid', message: 'order 1 skipped: not paid' };
const invalid: Verdict = {
  kind: 'invalid',
  reason: 'invalid_order',
  message: 'invalid order 1: carrello[0].quantita: must be > 0',
};

function job(state: OrderState, over: Partial<JobSnapshot> = {}): JobSnapshot {
  return {
    state,
    docHash: 'A',
    total: '32.80',
    eventAt: NOW - 1000,
    eventTie: null,
    eventFromShop: true,
    attempts: 1,
    queuedAt: NOW - 5000,
    maybeSent: false,
    sentHash: null,
    reviewKey: null,
    acceptedKey: null,
    totalgestId: state === 'done' ? 'D-1' : null,
    number: state === 'done' ? '2026-000001' : null,
    action: 'create',
    pendingChange: null,
    withdrawTo: null,
    ...over,
  };
}

describe('order lifecycle: intake transitions', () => {
  // [name, job, verdict, outcome, the job's state afterwards]
  const table: Array<[string, JobSnapshot | undefined, Verdict, string, OrderState]> = [
    ['new eligible order → queued', undefined, doc('A'), 'queued', 'pending'],
    ['new cancelled order → skipped', undefined, cancelled, 'skipped', 'skipped'],
    ['new invalid order → invalid', undefined, invalid, 'invalid', 'invalid'],
    ['queued, same document again → already queued', job('pending'), doc('A'), 'already_queued', 'pending'],
    ['queued, edited → the new document replaces it', job('pending'), doc('B', '40.00'), 'queued', 'pending'],
    [
      'queued, never sent, cancelled → withdrawn, skipped',
      job('pending', { maybeSent: false }),
      cancelled,
      'withdrawn',
      'skipped',
    ],
    [
      'queued, maybe sent, cancelled → verify before withdrawing',
      job('pending', { maybeSent: true }),
      cancelled,
      'withdrawn',
      'pending',
    ],
    ['queued, never sent, payment reversed → skipped', job('pending'), notPaid, 'withdrawn', 'skipped'],
    ['queued, edited into an invalid order → invalid', job('pending'), invalid, 'invalid', 'invalid'],
    ['sending, same document → already queued', job('sending'), doc('A'), 'already_queued', 'sending'],
    ['sending, cancelled → deferred until the send ends', job('sending'), cancelled, 'deferred', 'sending'],
    ['linked, same document → already linked', job('done'), doc('A'), 'already_linked', 'done'],
    ['linked, cancelled → needs review', job('done'), cancelled, 'needs_review', 'needs_review'],
    ['linked, edited → needs review', job('done'), doc('B', '40.00'), 'needs_review', 'needs_review'],
    ['linked, no longer paid → needs review', job('done'), notPaid, 'needs_review', 'needs_review'],
    ['linked, edited into invalid → needs review', job('done'), invalid, 'needs_review', 'needs_review'],
    [
      'in review, back to the linked document → linked again',
      job('needs_review', { totalgestId: 'D-1' }),
      doc('A'),
      'already_linked',
      'done',
    ],
    ['failed, same document → already failed', job('failed'), doc('A'), 'already_failed', 'failed'],
    ['failed, corrected document → queued', job('failed'), doc('B'), 'queued', 'pending'],
    ['failed (422, nothing created), cancelled → skipped', job('failed'), cancelled, 'withdrawn', 'skipped'],
    ['dead, redelivered → queued again', job('dead'), doc('A'), 'queued', 'pending'],
    ['dead, maybe sent, cancelled → verify', job('dead', { maybeSent: true }), cancelled, 'withdrawn', 'pending'],
    ['skipped not paid, now paid → queued', job('skipped', { docHash: null }), doc('A'), 'queued', 'pending'],
    ['skipped, still cancelled → skipped', job('skipped', { docHash: null }), cancelled, 'skipped', 'skipped'],
    ['invalid, corrected → queued', job('invalid', { docHash: null }), doc('A'), 'queued', 'pending'],
  ];
  for (const [name, j, v, outcome, state] of table) {
    it(name, () => {
      const d = intake(j, v, shop(NOW), NOW);
      assert.equal(d.outcome, outcome);
      assert.equal(d.patch?.state ?? j?.state, state);
    });
  }

  it('an older event never overrides a newer one, in any state', () => {
    for (const state of ORDER_STATES) {
      const d = intake(job(state, { eventAt: NOW }), doc('Z'), shop(NOW - 1), NOW);
      assert.deepEqual(d, { outcome: 'stale', patch: null }, state);
    }
  });

  it('an event of the same time is applied (a redelivery is not stale)', () => {
    assert.equal(intake(job('pending', { eventAt: NOW }), doc('A'), shop(NOW), NOW).outcome, 'already_queued');
  });

  it('a requeued dead job counts its age anew and starts from attempt 0', () => {
    const d = intake(job('dead', { attempts: 40, queuedAt: NOW - 80 * 3_600_000 }), doc('A'), shop(NOW), NOW);
    assert.equal(d.patch?.queuedAt, NOW);
    assert.equal(d.patch?.attempts, 0);
    assert.equal(d.patch?.nextAttemptAt, NOW);
  });

  it('needs review names what changed', () => {
    const d = intake(job('done'), doc('B', '40.00'), shop(NOW), NOW);
    assert.equal(d.patch?.error, 'edited after it reached TotalGest document 2026-000001: total 32.80 → 40.00');
    const c = intake(job('done'), cancelled, shop(NOW), NOW);
    assert.equal(c.patch?.error, 'cancelled after it reached TotalGest document 2026-000001');
    assert.equal(c.patch?.reason, 'cancelled');
  });
});

describe('order lifecycle: send results', () => {
  const sending = (over: Partial<JobSnapshot> = {}) => job('sending', over);
  const run = (j: JobSnapshot, r: SendResult) => settle(j, r, NOW, timing, () => 0.5);

  it('created → done with the TotalGest number', () => {
    const s = run(sending(), { kind: 'created', totalgestId: 'D-9', number: '2026-000009' });
    assert.equal(s.state, 'done');
    assert.equal(s.patch.number, '2026-000009');
    assert.equal(s.patch.releaseLease, true);
  });

  it('409 duplicate with the same total links; with another total fails showing both', () => {
    const same = run(sending(), {
      kind: 'exists',
      totalgestId: 'D-1',
      number: 'N1',
      total: '32.8',
      via: 'duplicate_external_ref',
    });
    assert.equal(same.state, 'done');
    const other = run(sending(), {
      kind: 'exists',
      totalgestId: 'D-1',
      number: 'N1',
      total: '30.00',
      via: 'duplicate_external_ref',
    });
    assert.equal(other.state, 'failed');
    assert.equal(other.patch.reason, 'duplicate_total_mismatch');
    assert.match(String(other.patch.error), /total 30\.00; this order's total is 32\.80/);
  });

  it('a reused key with a document in TotalGest → needs review (an earlier version was sent)', () => {
    const s = run(sending(), {
      kind: 'exists',
      totalgestId: 'D-1',
      number: 'N1',
      total: '30.00',
      via: 'idempotency_key_reused',
    });
    assert.equal(s.state, 'needs_review');
  });

  it('final → failed with reason and details', () => {
    const s = run(sending(), {
      kind: 'final',
      reason: 'validation_failed',
      message: 'lines[0].sku: unknown article',
      details: [{ path: 'lines[0].sku' }],
    });
    assert.deepEqual(
      [s.state, s.patch.reason, s.patch.error],
      ['failed', 'validation_failed', 'lines[0].sku: unknown article'],
    );
  });

  it('retry → pending after max(Retry-After, backoff); dead only past the age limit, never by attempt count', () => {
    const early = run(sending({ attempts: 1 }), {
      kind: 'retry',
      message: '503',
      retryAfterMs: 1000,
      maybeSent: false,
    });
    assert.equal(early.state, 'pending');
    assert.equal(early.patch.nextAttemptAt, NOW + 1500); // backoff 2000 × (0.5 + 0.5 × 0.5) beats Retry-After 1000
    const many = run(sending({ attempts: 500, queuedAt: NOW - 3_600_000 }), {
      kind: 'retry',
      message: '503',
      retryAfterMs: 1000,
      maybeSent: false,
    });
    assert.equal(many.state, 'pending');
    assert.equal(many.patch.nextAttemptAt, NOW + 675_000); // capped at 15 min (equal jitter)
    const old = run(sending({ attempts: 3, queuedAt: NOW - 72 * 3_600_000 }), {
      kind: 'retry',
      message: '503',
      maybeSent: false,
    });
    assert.equal(old.state, 'dead');
    assert.match(String(old.patch.error), /^gave up after 3 attempts in 72 h: 503$/);
  });

  it('a long Retry-After wins over a short backoff', () => {
    assert.equal(
      retryDelay(1, 60_000, timing, () => 1),
      60_000,
    );
    assert.equal(
      retryDelay(1, undefined, timing, () => 0),
      1_000,
    );
  });

  it('an ambiguous failure marks the job as maybe sent', () => {
    const s = run(sending(), { kind: 'retry', message: 'timeout', maybeSent: true });
    assert.equal(s.patch.maybeSent, true);
  });

  it('a cancellation that waited for the send: created → needs review; failed → skipped; retry → withdrawn', () => {
    const change = { verdict: cancelled, event: shop(NOW - 10) };
    const created = run(sending({ pendingChange: change }), { kind: 'created', totalgestId: 'D-2', number: 'N2' });
    assert.equal(created.state, 'needs_review');
    assert.equal(created.patch.number, 'N2');
    assert.equal(created.patch.pendingChange, null);
    const failed = run(sending({ pendingChange: change }), {
      kind: 'final',
      reason: 'validation_failed',
      message: 'x',
    });
    assert.equal(failed.state, 'skipped');
    const retried = run(sending({ pendingChange: change }), { kind: 'retry', message: '503', maybeSent: false });
    assert.equal(retried.state, 'skipped');
    const ambiguous = run(sending({ pendingChange: change }), { kind: 'retry', message: 'timeout', maybeSent: true });
    assert.deepEqual([ambiguous.state, ambiguous.patch.action], ['pending', 'verify_withdraw']);
  });

  it('an edit that waited for a failed send is queued as the new document', () => {
    const s = run(sending({ pendingChange: { verdict: doc('B', '40.00'), event: shop(NOW) } }), {
      kind: 'final',
      reason: 'validation_failed',
      message: 'x',
    });
    assert.deepEqual([s.state, s.patch.docHash, s.patch.total], ['pending', 'B', '40.00']);
  });

  it('verify before withdrawing: nothing in TotalGest → skipped; a document → needs review', () => {
    const verifying = sending({ action: 'verify_withdraw', withdrawTo: cancelled, maybeSent: true });
    const absent = run(verifying, { kind: 'absent' });
    assert.deepEqual([absent.state, absent.patch.reason, absent.patch.action], ['skipped', 'cancelled', 'create']);
    const found = run(verifying, { kind: 'exists', totalgestId: 'D-3', number: 'N3', total: '32.80', via: 'verify' });
    assert.deepEqual(
      [found.state, found.patch.reason, found.patch.number],
      ['needs_review', 'cancelled_after_send', 'N3'],
    );
  });

  it('abandoned at stop → due again at once', () => {
    const s = run(sending(), { kind: 'abandoned' });
    assert.deepEqual([s.state, s.patch.nextAttemptAt, s.patch.releaseLease], ['pending', NOW, true]);
  });
});

describe('order lifecycle: commands', () => {
  it('retry queues failed and dead jobs with a document, age counted anew', () => {
    assert.deepEqual(retryPatch(job('dead'), NOW), {
      state: 'pending',
      attempts: 0,
      nextAttemptAt: NOW,
      queuedAt: NOW,
    });
    // A dead withdraw check goes on checking: it never sends the withdrawn document.
    assert.equal(retryPatch(job('dead', { action: 'verify_withdraw', withdrawTo: cancelled }), NOW)?.action, undefined);
    assert.equal(retryPatch(job('failed', { docHash: null }), NOW), null);
    assert.equal(retryPatch(job('needs_review'), NOW), null);
    assert.equal(retryPatch(job('done'), NOW), null);
  });

  it('acknowledge ends a review: linked when TotalGest holds a document, else not linked', () => {
    assert.equal(acknowledgePatch(job('needs_review', { totalgestId: 'D-1' }))?.state, 'done');
    assert.equal(acknowledgePatch(job('needs_review', { totalgestId: null }))?.state, 'skipped');
    assert.equal(acknowledgePatch(job('failed')), null);
  });

  it('compares amounts as decimals', () => {
    assert.equal(sameAmount('32.8', '32.80'), true);
    assert.equal(sameAmount('32.80', '32.85'), false);
    assert.equal(sameAmount('32.801', '32.80'), false);
    assert.equal(sameAmount('abc', 'abc'), false);
  });
});

describe('order lifecycle: event ordering and what TotalGest may hold', () => {
  const fetched = (at: number): EventTime => ({ at, fromShop: false });

  it('the same modification second: the later-sent event wins, the earlier one is stale', () => {
    const j = job('skipped', { eventAt: NOW, eventTie: NOW + 800, docHash: null });
    assert.equal(isStale(j, shop(NOW, NOW + 300)), true);
    assert.equal(isStale(j, shop(NOW, NOW + 900)), false);
  });

  it('a copy fetched by us loses against a shop event unless clearly newer; a shop event loses against a fetched copy only when clearly older', () => {
    assert.equal(isStale(job('skipped', { eventAt: NOW, eventFromShop: true }), fetched(NOW + 60_000)), true);
    assert.equal(
      isStale(job('skipped', { eventAt: NOW, eventFromShop: true }), fetched(NOW + CLOCK_SKEW_MS + 1)),
      false,
    );
    assert.equal(isStale(job('pending', { eventAt: NOW, eventFromShop: false }), shop(NOW - 2_000)), false);
    assert.equal(isStale(job('pending', { eventAt: NOW, eventFromShop: false }), shop(NOW - CLOCK_SKEW_MS - 1)), true);
  });

  it('a duplicate with the same total is not linked when an earlier, other version may be what TotalGest holds', () => {
    const s = settle(
      job('sending', { docHash: 'B', sentHash: 'A', maybeSent: true }),
      { kind: 'exists', totalgestId: 'D-1', number: 'N1', total: '32.80', via: 'duplicate_external_ref' },
      NOW,
      timing,
    );
    assert.equal(s.state, 'needs_review');
  });

  it('an ambiguous attempt remembers the version it carried', () => {
    const s = settle(
      job('sending', { docHash: 'A' }),
      { kind: 'retry', message: 'timeout', maybeSent: true },
      NOW,
      timing,
      () => 0.5,
    );
    assert.equal(s.patch.sentHash, 'A');
    const definite = settle(
      job('sending', { docHash: 'A' }),
      { kind: 'retry', message: '503', maybeSent: false },
      NOW,
      timing,
      () => 0.5,
    );
    assert.equal(definite.patch.sentHash, null);
  });

  it('an acknowledged change is not raised again by the next event with the same content', () => {
    const inReview = job('needs_review', { totalgestId: 'D-1', reviewKey: verdictKey(doc('B', '40.00')) });
    const ack = acknowledgePatch(inReview)!;
    assert.equal(ack.acceptedKey, 'export:B');
    const linked = job('done', { acceptedKey: ack.acceptedKey ?? null });
    assert.equal(intake(linked, doc('B', '40.00'), shop(NOW), NOW).outcome, 'already_linked');
    assert.equal(intake(linked, doc('C', '50.00'), shop(NOW), NOW).outcome, 'needs_review');
    const cancelledAck = job('done', { acceptedKey: verdictKey(cancelled) });
    assert.equal(intake(cancelledAck, cancelled, shop(NOW), NOW).outcome, 'already_linked');
  });
});
