/**
 * The order lifecycle as one state machine: named states, one pure function per transition.
 * The store applies what these functions decide inside one transaction, so every path — a
 * webhook, `{orderIds}`, a manual order, `retry`, the reconciliation sweep, the worker — moves
 * an order by the same rules. No I/O here: every rule is a table-driven unit test.
 *
 *   (none) ──intake──▶ pending ──claim──▶ sending ──created / same-total duplicate──▶ done
 *                         ▲                  │ ──final error (422, other total)──▶ failed
 *                         │                  │ ──transient, younger than max age──▶ pending (backoff)
 *                         │                  └ ──transient, older than max age──▶ dead
 *   skipped / invalid ◀──intake (not eligible / not valid)
 *   done ──intake of a change (edit, cancel, unpaid)──▶ needs_review
 */

export const ORDER_STATES = [
  'pending',
  'sending',
  'done',
  'failed',
  'dead',
  'skipped',
  'invalid',
  'needs_review',
] as const;
export type OrderState = (typeof ORDER_STATES)[number];

/** What the worker does with a job: send its document, or make sure an earlier attempt left nothing behind. */
export type JobAction = 'create' | 'verify_withdraw';

/** The verdict of intake (validation, eligibility, mapping) on one version of an order. */
export type Verdict =
  | { kind: 'export'; document: string; docHash: string; total: string }
  | { kind: 'skip'; reason: 'cancelled' | 'not_paid'; message: string }
  | { kind: 'invalid'; reason: string; message: string; details?: unknown };

/** The fields of a stored job the transitions read. */
export interface JobSnapshot {
  state: OrderState;
  docHash: string | null;
  /** The order's total in the stored document (what TotalGest holds once done). */
  total: string | null;
  eventAt: number | null;
  /** Tie-break between events of the same `eventAt` (the webhook's sending time). */
  eventTie: number | null;
  /** Whether `eventAt` is the shop's clock (its modification or sending time) or ours (when the order was fetched). */
  eventFromShop: boolean;
  attempts: number;
  queuedAt: number | null;
  /** An earlier attempt may have reached TotalGest (no definite answer, or a document exists). */
  maybeSent: boolean;
  /** The document version such an attempt carried (what TotalGest may hold). */
  sentHash: string | null;
  /** What put the job in review, and what a person accepted with `acknowledge` (see verdictKey). */
  reviewKey: string | null;
  acceptedKey: string | null;
  totalgestId: string | null;
  number: string | null;
  action: JobAction;
  /** A newer event that arrived while the job was being sent. */
  pendingChange: PendingChange | null;
  /** For `verify_withdraw`: what the job becomes once no document is found. */
  withdrawTo: Exclude<Verdict, { kind: 'export' }> | null;
}

/** When an event happened, as far as we can tell: see `isStale`. */
export interface EventTime {
  at: number;
  tie?: number;
  /** true: the shop's clock (`data_modifica`, `sentAt`); false: ours (when the order was fetched or handed in). */
  fromShop: boolean;
}

export interface PendingChange {
  verdict: Verdict;
  event: EventTime;
}

/**
 * How far apart the shop's clock and ours may be. A fetched copy (stamped with our clock)
 * loses against a shop event unless it is clearly newer, and a shop event loses against a
 * fetched copy only when it is clearly older: a missed change is found by the next sweep,
 * an applied stale one (a cancelled order exported) cannot be taken back.
 */
export const CLOCK_SKEW_MS = 5 * 60_000;

/** An event older than the one applied is ignored: its content is history. */
export function isStale(job: JobSnapshot, e: EventTime): boolean {
  if (job.eventAt === null) return false;
  if (e.fromShop !== job.eventFromShop)
    return e.fromShop ? e.at < job.eventAt - CLOCK_SKEW_MS : e.at < job.eventAt + CLOCK_SKEW_MS;
  if (e.at !== job.eventAt) return e.at < job.eventAt;
  // The same modification second: the event sent later is the newer one.
  return e.tie !== undefined && job.eventTie !== null && e.tie < job.eventTie;
}

/** What a verdict says, as one comparable key: a person who acknowledged it is not asked again. */
export function verdictKey(v: Verdict): string {
  return v.kind === 'export' ? `export:${v.docHash}` : `${v.kind}:${v.reason}`;
}

/** The columns a transition writes; absent fields stay as they are. */
export interface JobPatch {
  state?: OrderState;
  document?: string | null;
  docHash?: string | null;
  total?: string | null;
  eventAt?: number;
  eventTie?: number | null;
  eventFromShop?: boolean;
  attempts?: number;
  nextAttemptAt?: number;
  queuedAt?: number;
  maybeSent?: boolean;
  sentHash?: string | null;
  reviewKey?: string | null;
  acceptedKey?: string | null;
  totalgestId?: string | null;
  number?: string | null;
  reason?: string | null;
  error?: string | null;
  details?: unknown;
  doneAt?: number;
  action?: JobAction;
  pendingChange?: PendingChange | null;
  withdrawTo?: Exclude<Verdict, { kind: 'export' }> | null;
  /** Release the lease (every transition out of `sending` does). */
  releaseLease?: true;
}

/** How intake answers for one order (the webhook status and the report line derive from it). */
export type IntakeOutcome =
  | 'queued'
  | 'already_queued'
  | 'already_linked'
  | 'already_failed'
  | 'skipped'
  | 'invalid'
  | 'withdrawn'
  | 'needs_review'
  | 'deferred'
  | 'stale';

export interface Decision {
  outcome: IntakeOutcome;
  /** null: nothing changes (a duplicate or a stale event); otherwise insert or update. */
  patch: JobPatch | null;
}

const MINUTE = 60_000;

/** Exponential backoff with equal jitter, capped; a longer Retry-After wins. */
export function retryDelay(
  attempts: number,
  retryAfterMs: number | undefined,
  opts: RetryTiming,
  random = Math.random,
): number {
  const ceiling = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** Math.max(0, attempts - 1));
  const backoff = Math.floor(ceiling / 2 + (random() * ceiling) / 2);
  return Math.max(retryAfterMs ?? 0, backoff);
}

export interface RetryTiming {
  baseDelayMs: number;
  maxDelayMs: number;
  /** A job older than this (since it was last queued) that fails transiently is `dead`. */
  maxAgeMs: number;
}

export const defaultRetryTiming: RetryTiming = {
  baseDelayMs: 2_000,
  maxDelayMs: 15 * MINUTE,
  maxAgeMs: 72 * 60 * MINUTE,
};

function seenAt(e: EventTime): JobPatch {
  return { eventAt: e.at, eventTie: e.tie ?? null, eventFromShop: e.fromShop };
}

/** A fresh job for a document: due now, age counted from now. */
function queue(v: Extract<Verdict, { kind: 'export' }>, e: EventTime, now: number): JobPatch {
  return {
    state: 'pending',
    document: v.document,
    docHash: v.docHash,
    total: v.total,
    ...seenAt(e),
    attempts: 0,
    nextAttemptAt: now,
    queuedAt: now,
    reason: null,
    error: null,
    details: null,
    action: 'create',
    pendingChange: null,
    withdrawTo: null,
  };
}

function notSent(v: Exclude<Verdict, { kind: 'export' }>, e: EventTime | null): JobPatch {
  return {
    state: v.kind === 'skip' ? 'skipped' : 'invalid',
    reason: v.reason,
    error: v.message,
    details: v.kind === 'invalid' ? (v.details ?? null) : null,
    ...(e ? seenAt(e) : {}),
    document: null,
    docHash: null,
    total: null,
    action: 'create',
    pendingChange: null,
    withdrawTo: null,
  };
}

/** What changed between the version in TotalGest and a newer event, in words a person acts on. */
export function describeChange(job: JobSnapshot, v: Verdict): string {
  const where = job.number ? `TotalGest document ${job.number}` : 'a document in TotalGest';
  if (v.kind === 'skip')
    return v.reason === 'cancelled' ? `cancelled after it reached ${where}` : `no longer paid, but ${where} exists`;
  if (v.kind === 'invalid') return `changed into an invalid order (${v.message}) after it reached ${where}`;
  const total = job.total && v.total !== job.total ? `total ${job.total} → ${v.total}` : 'lines, addresses or payment';
  return `edited after it reached ${where}: ${total}`;
}

function review(job: JobSnapshot, v: Verdict, e: EventTime): JobPatch {
  return {
    state: 'needs_review',
    reason: v.kind === 'skip' ? v.reason : v.kind === 'invalid' ? 'edited_invalid' : 'edited',
    error: describeChange(job, v),
    details: {
      change: v.kind === 'export' ? { total: v.total, previousTotal: job.total } : { kind: v.kind, reason: v.reason },
    },
    reviewKey: verdictKey(v),
    ...seenAt(e),
  };
}

/**
 * Withdraws a job that will not be sent. When an earlier attempt may have reached TotalGest,
 * the worker first makes sure it left nothing behind (verify_withdraw) — a cancellation is
 * never dropped silently next to a document that exists.
 */
function withdraw(job: JobSnapshot, v: Exclude<Verdict, { kind: 'export' }>, e: EventTime, now: number): Decision {
  if (!job.maybeSent) return { outcome: v.kind === 'skip' ? 'withdrawn' : 'invalid', patch: notSent(v, e) };
  return {
    outcome: 'withdrawn',
    patch: {
      state: 'pending',
      action: 'verify_withdraw',
      reason: v.reason,
      error: `${v.message} — checking that no earlier attempt reached TotalGest`,
      details: null,
      withdrawTo: v,
      ...seenAt(e),
      nextAttemptAt: now,
      queuedAt: now,
      attempts: 0,
      pendingChange: null,
    },
  };
}

/**
 * Intake of one version of an order (`e`: when it happened, see isStale). An older event never
 * overrides a newer one.
 */
export function intake(job: JobSnapshot | undefined, v: Verdict, e: EventTime, now: number): Decision {
  if (!job) {
    if (v.kind === 'export') return { outcome: 'queued', patch: queue(v, e, now) };
    return { outcome: v.kind === 'skip' ? 'skipped' : 'invalid', patch: notSent(v, e) };
  }
  if (isStale(job, e)) return { outcome: 'stale', patch: null };
  const same = v.kind === 'export' && v.docHash === job.docHash;
  // A version a person has already reviewed and accepted is not a change any more.
  const accepted = job.acceptedKey !== null && verdictKey(v) === job.acceptedKey;
  const seen = seenAt(e);
  switch (job.state) {
    case 'sending':
      if (same && !job.pendingChange) return { outcome: 'already_queued', patch: seen };
      // Cannot be withdrawn mid-flight: applied as soon as the send in flight ends.
      return { outcome: 'deferred', patch: { ...seen, pendingChange: same ? null : { verdict: v, event: e } } };
    case 'pending':
      if (job.action === 'verify_withdraw') {
        if (v.kind !== 'export') return { outcome: 'withdrawn', patch: { ...seen, reason: v.reason, withdrawTo: v } };
        return { outcome: 'queued', patch: { ...queue(v, e, now), attempts: job.attempts } };
      }
      if (same) return { outcome: 'already_queued', patch: seen };
      if (v.kind === 'export')
        return {
          outcome: 'queued',
          patch: { document: v.document, docHash: v.docHash, total: v.total, ...seen, error: null },
        };
      return withdraw(job, v, e, now);
    case 'done':
      if (same || accepted) return { outcome: 'already_linked', patch: seen };
      return { outcome: 'needs_review', patch: review(job, v, e) };
    case 'needs_review':
      // Back to what TotalGest holds (or to what a person accepted): nothing to review any more.
      if ((same || accepted) && job.totalgestId)
        return {
          outcome: 'already_linked',
          patch: { state: 'done', reason: null, error: null, details: null, ...seen },
        };
      if (job.totalgestId) return { outcome: 'needs_review', patch: review(job, v, e) };
      return { outcome: 'needs_review', patch: seen };
    case 'failed':
      if (same) return { outcome: 'already_failed', patch: seen };
      if (v.kind === 'export') return { outcome: 'queued', patch: queue(v, e, now) };
      return withdraw(job, v, e, now);
    case 'dead':
      // A redelivery, a sweep or retry: the outage is over for all we know — try again.
      if (v.kind === 'export') return { outcome: 'queued', patch: queue(v, e, now) };
      return withdraw(job, v, e, now);
    case 'skipped':
    case 'invalid':
      if (v.kind === 'export') return { outcome: 'queued', patch: queue(v, e, now) };
      return { outcome: v.kind === 'skip' ? 'skipped' : 'invalid', patch: notSent(v, e) };
  }
}

/** What one send (or check) of a job came to, as the worker classifies it. */
export type SendResult =
  | { kind: 'created'; totalgestId: string; number: string }
  /** TotalGest already holds a document with this externalRef (409 duplicate, key reused, or found by a check). */
  | {
      kind: 'exists';
      totalgestId: string;
      number: string;
      total: string;
      via: 'duplicate_external_ref' | 'idempotency_key_reused' | 'verify';
    }
  /** A check found no document: withdrawing is safe. */
  | { kind: 'absent' }
  /** Permanent for this payload (422, a reused key without a document, …). */
  | { kind: 'final'; reason: string; message: string; details?: unknown }
  /** Try again later; `maybeSent`: the request may have reached TotalGest (no definite answer). */
  | {
      kind: 'retry';
      message: string;
      retryAfterMs?: number;
      maybeSent: boolean;
      /** A 409 TotalGest named (its code): the node words it in its own language. */
      conflict?: string;
    }
  /** The worker stopped before the answer came: due again at once (the Idempotency-Key makes a repeat safe). */
  | { kind: 'abandoned' };

export interface Settled {
  patch: JobPatch;
  /** The state the job moved to (after any pending change is applied). */
  state: OrderState;
}

function linked(r: { totalgestId: string; number: string }, now: number): JobPatch {
  return {
    state: 'done',
    totalgestId: r.totalgestId,
    number: r.number,
    reason: null,
    error: null,
    details: null,
    doneAt: now,
    maybeSent: true,
  };
}

/** The transition out of `sending`. */
export function settle(
  job: JobSnapshot,
  r: SendResult,
  now: number,
  timing: RetryTiming,
  random = Math.random,
): Settled {
  let patch: JobPatch;
  if (job.action === 'verify_withdraw' && (r.kind === 'absent' || r.kind === 'exists')) {
    const to = job.withdrawTo ?? { kind: 'skip', reason: 'cancelled', message: 'withdrawn' };
    patch =
      r.kind === 'absent'
        ? { ...notSent(to, null), maybeSent: false, sentHash: null }
        : {
            state: 'needs_review',
            totalgestId: r.totalgestId,
            number: r.number,
            reason: `${to.reason}_after_send`,
            error: `${to.message}, but TotalGest holds document ${r.number} (total ${r.total}) from an earlier attempt`,
            details: { existing: { id: r.totalgestId, number: r.number, total: r.total }, change: to },
            action: 'create',
            maybeSent: true,
          };
  } else {
    switch (r.kind) {
      case 'created':
        patch = linked(r, now);
        break;
      case 'exists': {
        // An earlier attempt carried another version: TotalGest may hold that one, whatever the totals say.
        const earlierVersion = job.sentHash !== null && job.sentHash !== job.docHash;
        if (
          r.via === 'duplicate_external_ref' &&
          !earlierVersion &&
          job.total !== null &&
          sameAmount(r.total, job.total)
        )
          patch = linked(r, now);
        else if (r.via === 'duplicate_external_ref' && !earlierVersion)
          patch = {
            state: 'failed',
            reason: 'duplicate_total_mismatch',
            error: `TotalGest already holds ${r.number} for this order with total ${r.total}; this order's total is ${job.total ?? '?'}`,
            details: { existing: { id: r.totalgestId, number: r.number, total: r.total }, ours: job.total },
            maybeSent: true,
          };
        else
          patch = {
            state: 'needs_review',
            totalgestId: r.totalgestId,
            number: r.number,
            reason: 'changed_after_send',
            error: `TotalGest holds an earlier version of this order (${r.number}, total ${r.total}); this version's total is ${job.total ?? '?'}`,
            details: { existing: { id: r.totalgestId, number: r.number, total: r.total }, ours: job.total },
            maybeSent: true,
          };
        break;
      }
      case 'absent':
        // A check on a job that was not being withdrawn: nothing there, so send it.
        patch = { state: 'pending', nextAttemptAt: now, error: null };
        break;
      case 'final':
        patch = { state: 'failed', reason: r.reason, error: r.message, details: r.details ?? null };
        break;
      case 'retry': {
        const maybeSent = job.maybeSent || r.maybeSent;
        const sentHash = r.maybeSent && job.action === 'create' ? job.docHash : job.sentHash;
        const age = now - (job.queuedAt ?? now);
        patch =
          age >= timing.maxAgeMs
            ? {
                state: 'dead',
                reason: 'gave_up',
                error: `gave up after ${job.attempts} attempts in ${Math.round(age / 3_600_000)} h: ${r.message}`,
                maybeSent,
                sentHash,
              }
            : {
                state: 'pending',
                nextAttemptAt: now + retryDelay(job.attempts, r.retryAfterMs, timing, random),
                error: r.message,
                maybeSent,
                sentHash,
              };
        break;
      }
      case 'abandoned':
        patch = {
          state: 'pending',
          nextAttemptAt: now,
          maybeSent: true,
          sentHash: job.action === 'create' ? job.docHash : job.sentHash,
        };
        break;
    }
  }
  patch.releaseLease = true;
  if (!job.pendingChange) return { patch, state: patch.state ?? job.state };
  // The newer event that waited for this send: apply it to where the send left the job.
  const after: JobSnapshot = { ...job, ...definedOf(patch), pendingChange: null } as JobSnapshot;
  const change = intake({ ...after, eventAt: null }, job.pendingChange.verdict, job.pendingChange.event, now);
  const merged: JobPatch = { ...patch, ...(change.patch ?? {}), pendingChange: null, releaseLease: true };
  return { patch: merged, state: merged.state ?? after.state };
}

/** The snapshot fields a patch sets (for chaining transitions). */
function definedOf(p: JobPatch): Partial<JobSnapshot> {
  const out: Partial<JobSnapshot> = {};
  if (p.state !== undefined) out.state = p.state;
  if (p.docHash !== undefined) out.docHash = p.docHash;
  if (p.total !== undefined) out.total = p.total;
  if (p.attempts !== undefined) out.attempts = p.attempts;
  if (p.queuedAt !== undefined) out.queuedAt = p.queuedAt;
  if (p.maybeSent !== undefined) out.maybeSent = p.maybeSent;
  if (p.sentHash !== undefined) out.sentHash = p.sentHash;
  if (p.totalgestId !== undefined) out.totalgestId = p.totalgestId;
  if (p.number !== undefined) out.number = p.number;
  if (p.action !== undefined) out.action = p.action;
  return out;
}

/** "12.9" and "12.90" are the same amount; compared as cents, never as floats. */
export function sameAmount(a: string, b: string): boolean {
  const cents = (s: string): string | undefined => {
    const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(s.trim());
    if (!m) return undefined;
    const frac = (m[3] ?? '').padEnd(2, '0');
    if (/[1-9]/.test(frac.slice(2))) return `${m[1]}${m[2]}.${frac}`; // more than cents: compare exactly
    return `${m[1]}${BigInt(m[2]!) * 100n + BigInt(frac.slice(0, 2))}`;
  };
  const x = cents(a);
  return x !== undefined && x === cents(b);
}

/** Manual `retry`: failed and dead jobs with a document are queued again, their age counted anew. */
export function retryPatch(job: JobSnapshot, now: number): JobPatch | null {
  if ((job.state !== 'failed' && job.state !== 'dead') || job.docHash === null) return null;
  // The action stays: a job that was being withdrawn goes on checking, it is never sent.
  return { state: 'pending', attempts: 0, nextAttemptAt: now, queuedAt: now };
}

/** A person has looked at a job in review (fixed TotalGest by hand): linked if a document exists, else not linked. */
export function acknowledgePatch(job: JobSnapshot): JobPatch | null {
  if (job.state !== 'needs_review') return null;
  const accepted = { acceptedKey: job.reviewKey, reviewKey: null };
  return job.totalgestId
    ? { state: 'done', reason: null, error: null, details: null, ...accepted }
    : { state: 'skipped', reason: 'reviewed', error: 'reviewed by a person', details: null, ...accepted };
}
