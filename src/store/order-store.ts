import {
  acknowledgePatch,
  intake,
  ORDER_STATES,
  retryPatch,
  settle,
  type Decision,
  type EventTime,
  type JobPatch,
  type JobSnapshot,
  type OrderState,
  type PendingChange,
  type RetryTiming,
  type SendResult,
  type Verdict,
} from '../core/order-lifecycle';
import { getMeta, rowsByKey, runTransaction, setMeta, type StateDatabase, inFilter } from './state-db';

export type { OrderState } from '../core/order-lifecycle';

export interface OrderRow {
  order_id: string;
  external_ref: string;
  idempotency_key: string | null;
  document: string | null;
  doc_hash: string | null;
  total: string | null;
  state: OrderState;
  action: 'create' | 'verify_withdraw';
  attempts: number;
  next_attempt_at: number;
  queued_at: number | null;
  lease_until: number | null;
  lease_owner: string | null;
  maybe_sent: number;
  sent_hash: string | null;
  event_at: number | null;
  event_tie: number | null;
  event_from_shop: number;
  review_key: string | null;
  accepted_key: string | null;
  pending_change: string | null;
  withdraw_to: string | null;
  totalgest_id: string | null;
  number: string | null;
  reason: string | null;
  error: string | null;
  details: string | null;
  created_at: number;
  updated_at: number;
  done_at: number | null;
}

/** A state change the worker or intake made, for events (Catch nodes, waiters, status). */
export interface Transition {
  orderId: string;
  from: OrderState | undefined;
  to: OrderState;
  row: OrderRow;
}

const json = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(v));
const parse = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));

export function snapshotOf(row: OrderRow): JobSnapshot {
  return {
    state: row.state,
    docHash: row.doc_hash,
    total: row.total,
    eventAt: row.event_at,
    eventTie: row.event_tie,
    eventFromShop: row.event_from_shop === 1,
    attempts: row.attempts,
    queuedAt: row.queued_at ?? row.created_at,
    maybeSent: row.maybe_sent === 1,
    sentHash: row.sent_hash,
    reviewKey: row.review_key,
    acceptedKey: row.accepted_key,
    totalgestId: row.totalgest_id,
    number: row.number,
    action: row.action,
    pendingChange: parse<PendingChange>(row.pending_change),
    withdrawTo: parse<Exclude<Verdict, { kind: 'export' }>>(row.withdraw_to),
  };
}

/** Patch field → column and how it is stored. */
const COLUMNS: { [K in keyof JobPatch]-?: [string, (v: NonNullable<JobPatch[K]> | null) => unknown] } = {
  state: ['state', (v) => v],
  document: ['document', (v) => v],
  docHash: ['doc_hash', (v) => v],
  total: ['total', (v) => v],
  eventAt: ['event_at', (v) => v],
  eventTie: ['event_tie', (v) => v],
  eventFromShop: ['event_from_shop', (v) => (v ? 1 : 0)],
  sentHash: ['sent_hash', (v) => v],
  reviewKey: ['review_key', (v) => v],
  acceptedKey: ['accepted_key', (v) => v],
  attempts: ['attempts', (v) => v],
  nextAttemptAt: ['next_attempt_at', (v) => v],
  queuedAt: ['queued_at', (v) => v],
  maybeSent: ['maybe_sent', (v) => (v ? 1 : 0)],
  totalgestId: ['totalgest_id', (v) => v],
  number: ['number', (v) => v],
  reason: ['reason', (v) => v],
  error: ['error', (v) => v],
  details: ['details', (v) => json(v)],
  doneAt: ['done_at', (v) => v],
  action: ['action', (v) => v],
  pendingChange: ['pending_change', (v) => json(v)],
  withdrawTo: ['withdraw_to', (v) => json(v)],
  releaseLease: ['lease_until', () => null],
};

/**
 * The durable outbox and the order links, one row per Framework360 order. Every transition is
 * decided by the pure functions of core/order-lifecycle and written here in one transaction;
 * intake commits with synchronous=FULL, so when it returns the row is on disk.
 */
export class OrderStore {
  private readonly stmts;
  private readonly updates = new Map<string, { run(...args: unknown[]): unknown }>();

  constructor(private readonly db: StateDatabase) {
    this.stmts = {
      get: db.prepare<[string], OrderRow>('SELECT * FROM orders WHERE order_id = ?'),
      addDelivery: db.prepare('INSERT OR IGNORE INTO deliveries (delivery_id, order_id, received_at) VALUES (?, ?, ?)'),
      delivery: db.prepare<[string], { order_id: string }>('SELECT order_id FROM deliveries WHERE delivery_id = ?'),
      pruneDeliveries: db.prepare('DELETE FROM deliveries WHERE received_at < ?'),
      insert: db.prepare(
        `INSERT INTO orders (order_id, external_ref, idempotency_key, state, created_at, updated_at) VALUES (?, ?, ?, 'skipped', ?, ?)`,
      ),
      claim: db.prepare<[{ leaseUntil: number; now: number; limit: number; owner: string; busy: string }], OrderRow>(
        // Taking over an expired lease: that owner's request may have reached TotalGest.
        `UPDATE orders SET state = 'sending', lease_until = @leaseUntil, lease_owner = @owner, attempts = attempts + 1, updated_at = @now,
           maybe_sent = CASE WHEN state = 'sending' THEN 1 ELSE maybe_sent END,
           sent_hash = CASE WHEN state = 'sending' AND action = 'create' THEN doc_hash ELSE sent_hash END
         WHERE order_id IN (
           SELECT order_id FROM orders
           WHERE ((state = 'pending' AND next_attempt_at <= @now) OR (state = 'sending' AND lease_until <= @now))
             AND order_id NOT IN (SELECT value FROM json_each(@busy))
           ORDER BY next_attempt_at LIMIT @limit)
         RETURNING *`,
      ),
      renew: db.prepare(
        `UPDATE orders SET lease_until = ? WHERE lease_owner = ? AND state = 'sending' AND order_id IN (SELECT value FROM json_each(?))`,
      ),
      sendingOf: db.prepare<[string], OrderRow>(`SELECT * FROM orders WHERE state = 'sending' AND lease_owner = ?`),
      sendingAll: db.prepare<[], OrderRow>(`SELECT * FROM orders WHERE state = 'sending'`),
      nextDue: db.prepare<[string], { t: number | null }>(
        `SELECT MIN(CASE WHEN state = 'pending' THEN next_attempt_at ELSE lease_until END) AS t FROM orders
         WHERE state IN ('pending', 'sending') AND order_id NOT IN (SELECT value FROM json_each(?))`,
      ),
      counts: db.prepare<[], { state: OrderState; n: number }>(
        'SELECT state, COUNT(*) AS n FROM orders GROUP BY state',
      ),
      oldestPending: db.prepare<[], { t: number | null }>(
        `SELECT MIN(COALESCE(queued_at, created_at)) AS t FROM orders WHERE state IN ('pending', 'sending')`,
      ),
      retryable: db.prepare<[], OrderRow>(
        `SELECT * FROM orders WHERE state IN ('failed', 'dead') AND doc_hash IS NOT NULL`,
      ),
      notPaid: db.prepare<[number, number], { order_id: string }>(
        `SELECT order_id FROM orders WHERE state = 'skipped' AND reason = 'not_paid' AND created_at >= ? ORDER BY created_at DESC LIMIT ?`,
      ),
    };
  }

  /** One transaction for the worker's records and claims (see runTransaction). */
  inTransaction<T>(fn: () => T, opts: { durable: boolean } = { durable: true }): T {
    return runTransaction(this.db, fn, opts);
  }

  meta(key: string): string | undefined {
    return getMeta(this.db, key);
  }

  setMeta(key: string, value: string): void {
    setMeta(this.db, key, value);
  }

  get(orderId: string): OrderRow | undefined {
    return this.stmts.get.get(orderId);
  }

  getMany(orderIds: string[]): Map<string, OrderRow> {
    return rowsByKey(this.stmts.get, orderIds);
  }

  /** The order a webhook delivery id already brought, if any. */
  deliveryOrder(deliveryId: string): string | undefined {
    return this.stmts.delivery.get(deliveryId)?.order_id;
  }

  /**
   * Intake of one version of an order, decided by `intake()` and committed durably.
   * Returns the decision and the row as stored afterwards.
   */
  applyIntake(
    input: {
      orderId: string;
      externalRef: string;
      idempotencyKey: string;
      verdict: Verdict;
      event: EventTime;
      deliveryId?: string;
    },
    now: number,
  ): { decision: Decision; row: OrderRow | undefined; transition?: Transition } {
    return this.db.transaction(() => {
      if (input.deliveryId) this.stmts.addDelivery.run(input.deliveryId, input.orderId, now);
      const before = this.stmts.get.get(input.orderId);
      const decision = intake(before && snapshotOf(before), input.verdict, input.event, now);
      if (!decision.patch) return { decision, row: before };
      if (!before) this.stmts.insert.run(input.orderId, input.externalRef, input.idempotencyKey, now, now);
      // The key follows the externalRef (a prefix may have changed since): refreshed with every new document.
      const patch = decision.patch;
      this.write(
        input.orderId,
        patch,
        now,
        patch.document ? { external_ref: input.externalRef, idempotency_key: input.idempotencyKey } : {},
      );
      const row = this.stmts.get.get(input.orderId)!;
      return {
        decision,
        row,
        transition:
          before?.state !== row.state ? { orderId: input.orderId, from: before?.state, to: row.state, row } : undefined,
      };
    })();
  }

  /** Leases up to `limit` due jobs to `owner`, leaving out the ids this process has in flight. */
  claimDue(now: number, limit: number, leaseMs: number, owner: string, busy: Iterable<string>): OrderRow[] {
    return this.stmts.claim.all({ leaseUntil: now + leaseMs, now, limit, owner, busy: JSON.stringify([...busy]) });
  }

  /** Records how a send ended; ignored when the lease is no longer the owner's (another process took the job). */
  settle(
    orderId: string,
    owner: string | null,
    result: SendResult,
    now: number,
    timing: RetryTiming,
  ): Transition | undefined {
    const row = this.stmts.get.get(orderId);
    if (!row || row.state !== 'sending' || row.lease_owner !== owner) return undefined;
    const { patch } = settle(snapshotOf(row), result, now, timing);
    this.write(orderId, { ...patch }, now, { lease_owner: null });
    const after = this.stmts.get.get(orderId)!;
    return { orderId, from: 'sending', to: after.state, row: after };
  }

  /** Extends the leases of the jobs `owner` has in flight (a job whose record was lost is left to expire). */
  renewLeases(owner: string, until: number, inFlight: Iterable<string>): void {
    this.stmts.renew.run(until, owner, JSON.stringify([...inFlight]));
  }

  /** Jobs `owner` is still sending when it stops: due again at once. */
  releaseOwned(owner: string, now: number, timing: RetryTiming): Transition[] {
    return this.db.transaction(() =>
      this.stmts.sendingOf
        .all(owner)
        .map((r) => this.settle(r.order_id, owner, { kind: 'abandoned' }, now, timing))
        .filter((t): t is Transition => t !== undefined),
    )();
  }

  /** Jobs leased by owners that no longer exist (a process that crashed): due again at once. */
  releaseOrphans(isGone: (owner: string) => boolean, now: number, timing: RetryTiming): number {
    return this.db.transaction(
      () =>
        this.stmts.sendingAll
          .all()
          .filter((r) => r.lease_owner === null || isGone(r.lease_owner))
          .filter((r) => this.settle(r.order_id, r.lease_owner, { kind: 'abandoned' }, now, timing)).length,
    )();
  }

  /** failed/dead → pending; returns the ids queued again (with `dryRun`, the ids it would queue, changing nothing). */
  retry(orderIds: string[] | 'all', now: number, dryRun = false): string[] {
    return this.db.transaction(() => {
      const rows = orderIds === 'all' ? this.stmts.retryable.all() : [...this.getMany(orderIds).values()];
      const due = rows.filter((r) => retryPatch(snapshotOf(r), now) !== null);
      if (!dryRun) for (const r of due) this.applyPatch(r, retryPatch(snapshotOf(r), now), now);
      return due.map((r) => r.order_id);
    })();
  }

  /** needs_review → done (a document exists) or skipped; returns the ids acknowledged. */
  acknowledge(orderIds: string[], now: number): string[] {
    return this.db.transaction(() =>
      [...this.getMany(orderIds).values()]
        .filter((r) => this.applyPatch(r, acknowledgePatch(snapshotOf(r)), now))
        .map((r) => r.order_id),
    )();
  }

  /** Forgets delivery ids received before `before` (their redelivery window is over). */
  pruneDeliveries(before: number): number {
    return this.stmts.pruneDeliveries.run(before).changes;
  }

  /** Orders skipped as not paid and first seen since `since`: the sweep asks Framework360 about them again. */
  notPaidSince(since: number, limit: number): string[] {
    return this.stmts.notPaid.all(since, limit).map((r) => r.order_id);
  }

  nextDueAt(busy: Iterable<string> = []): number | undefined {
    return this.stmts.nextDue.get(JSON.stringify([...busy]))?.t ?? undefined;
  }

  counts(): Record<OrderState, number> {
    const out = Object.fromEntries(ORDER_STATES.map((state) => [state, 0])) as Record<OrderState, number>;
    for (const r of this.stmts.counts.all()) out[r.state] = r.n;
    return out;
  }

  /** A page of orders, newest change first, optionally by state and id prefix. */
  list(q: { states?: OrderState[]; search?: string; offset: number; limit: number }): {
    rows: OrderRow[];
    total: number;
  } {
    const byState = inFilter('state', q.states);
    const where: string[] = byState.sql;
    const args: Array<string | number> = byState.args;
    if (q.search) {
      where.push(`(order_id LIKE ? ESCAPE '\\' OR external_ref LIKE ? ESCAPE '\\' OR number LIKE ? ESCAPE '\\')`);
      const like = `%${q.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      args.push(like, like, like);
    }
    const sqlWhere = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM orders ${sqlWhere}`).get(...args) as { n: number }).n;
    const rows = this.db
      .prepare(`SELECT * FROM orders ${sqlWhere} ORDER BY updated_at DESC, order_id LIMIT ? OFFSET ?`)
      .all(...args, q.limit, q.offset) as OrderRow[];
    return { rows, total };
  }

  /** The most recent failure, for the status summary. */
  lastError(): { orderId: string; error: string; at: number } | undefined {
    const row = this.db
      .prepare(
        `SELECT order_id, error, updated_at FROM orders WHERE state IN ('failed', 'dead', 'invalid', 'needs_review') AND error IS NOT NULL
         ORDER BY updated_at DESC LIMIT 1`,
      )
      .get() as { order_id: string; error: string; updated_at: number } | undefined;
    return row && { orderId: row.order_id, error: row.error, at: row.updated_at };
  }

  oldestPendingCreatedAt(): number | undefined {
    return this.stmts.oldestPending.get()?.t ?? undefined;
  }

  private applyPatch(row: OrderRow, patch: JobPatch | null, now: number): boolean {
    if (!patch) return false;
    this.write(row.order_id, patch, now, {});
    return true;
  }

  /** One UPDATE for a patch; statements are cached by the set of columns they write. */
  private write(orderId: string, patch: JobPatch, now: number, extra: Record<string, unknown>): void {
    const cols: string[] = [];
    const vals: unknown[] = [];
    for (const [key, value] of Object.entries(patch) as Array<[keyof JobPatch, unknown]>) {
      if (value === undefined) continue;
      const [col, enc] = COLUMNS[key] as [string, (v: unknown) => unknown];
      cols.push(col);
      vals.push(enc(value));
    }
    if (patch.releaseLease && !('lease_owner' in extra)) extra = { ...extra, lease_owner: null };
    for (const [col, value] of Object.entries(extra)) {
      cols.push(col);
      vals.push(value);
    }
    const sig = cols.join(',');
    let stmt = this.updates.get(sig);
    if (!stmt) {
      stmt = this.db.prepare(
        `UPDATE orders SET ${cols.map((c) => `${c} = ?`).join(', ')}${cols.length ? ', ' : ''}updated_at = ? WHERE order_id = ?`,
      );
      this.updates.set(sig, stmt);
    }
    stmt.run(...vals, now, orderId);
  }
}
