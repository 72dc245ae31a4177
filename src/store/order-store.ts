import { rowsByKey, runTransaction, type StateDatabase } from './state-db';

export type OrderState = 'pending' | 'sending' | 'done' | 'failed' | 'dead' | 'skipped' | 'invalid';

export interface OrderRow {
  order_id: string;
  external_ref: string;
  idempotency_key: string | null;
  document: string | null;
  doc_hash: string | null;
  state: OrderState;
  attempts: number;
  next_attempt_at: number;
  lease_until: number | null;
  totalgest_id: string | null;
  number: string | null;
  reason: string | null;
  error: string | null;
  details: string | null;
  created_at: number;
  updated_at: number;
  done_at: number | null;
}

export type EnqueueOutcome = 'queued' | 'requeued' | 'already_linked' | 'already_queued' | 'already_failed';

/**
 * The durable outbox and the order links, one row per Framework360 order. Every write is a
 * single SQLite transaction with synchronous=FULL: when a call returns, the row is on disk.
 */
export class OrderStore {
  private readonly stmts;

  constructor(private readonly db: StateDatabase) {
    this.stmts = {
      get: db.prepare<[string], OrderRow>('SELECT * FROM orders WHERE order_id = ?'),
      delivery: db.prepare<[string], { order_id: string }>('SELECT order_id FROM deliveries WHERE delivery_id = ?'),
      addDelivery: db.prepare('INSERT OR IGNORE INTO deliveries (delivery_id, order_id, received_at) VALUES (?, ?, ?)'),
      insert: db.prepare(
        `INSERT INTO orders (order_id, external_ref, idempotency_key, document, doc_hash, state, attempts, next_attempt_at, created_at, updated_at)
         VALUES (@order_id, @external_ref, @idempotency_key, @document, @doc_hash, 'pending', 0, @now, @now, @now)
         ON CONFLICT(order_id) DO UPDATE SET idempotency_key = excluded.idempotency_key, document = excluded.document, doc_hash = excluded.doc_hash,
           state = 'pending', attempts = 0, next_attempt_at = excluded.next_attempt_at, lease_until = NULL, reason = NULL, error = NULL, details = NULL,
           updated_at = excluded.updated_at`,
      ),
      mark: db.prepare(
        `INSERT INTO orders (order_id, external_ref, state, reason, error, details, created_at, updated_at)
         VALUES (@order_id, @external_ref, @state, @reason, @error, @details, @now, @now)
         ON CONFLICT(order_id) DO UPDATE SET state = excluded.state, reason = excluded.reason, error = excluded.error, details = excluded.details,
           document = NULL, doc_hash = NULL, updated_at = excluded.updated_at
         WHERE orders.state NOT IN ('done', 'pending', 'sending')`,
      ),
      claim: db.prepare<[{ leaseUntil: number; now: number; limit: number }], OrderRow>(
        `UPDATE orders SET state = 'sending', lease_until = @leaseUntil, attempts = attempts + 1, updated_at = @now
         WHERE order_id IN (
           SELECT order_id FROM orders
           WHERE (state = 'pending' AND next_attempt_at <= @now) OR (state = 'sending' AND lease_until <= @now)
           ORDER BY next_attempt_at LIMIT @limit)
         RETURNING *`,
      ),
      done: db.prepare(
        `UPDATE orders SET state = 'done', totalgest_id = ?, number = ?, error = NULL, details = NULL, reason = NULL, lease_until = NULL, done_at = ?, updated_at = ?
         WHERE order_id = ? AND state = 'sending'`,
      ),
      retryLater: db.prepare(
        `UPDATE orders SET state = 'pending', next_attempt_at = ?, error = ?, lease_until = NULL, updated_at = ? WHERE order_id = ? AND state = 'sending'`,
      ),
      fail: db.prepare(
        `UPDATE orders SET state = ?, reason = ?, error = ?, details = ?, lease_until = NULL, updated_at = ? WHERE order_id = ? AND state = 'sending'`,
      ),
      retryOne: db.prepare(
        `UPDATE orders SET state = 'pending', attempts = 0, next_attempt_at = ?, lease_until = NULL, updated_at = ? WHERE order_id = ? AND state IN ('failed', 'dead') AND document IS NOT NULL`,
      ),
      retryAll: db.prepare(
        `UPDATE orders SET state = 'pending', attempts = 0, next_attempt_at = ?, lease_until = NULL, updated_at = ? WHERE state IN ('failed', 'dead') AND document IS NOT NULL RETURNING order_id`,
      ),
      release: db.prepare(`UPDATE orders SET state = 'pending', lease_until = NULL, next_attempt_at = ?, updated_at = ? WHERE state = 'sending'`),
      nextDue: db.prepare<[], { t: number | null }>(
        `SELECT MIN(CASE WHEN state = 'pending' THEN next_attempt_at ELSE lease_until END) AS t FROM orders WHERE state IN ('pending', 'sending')`,
      ),
      counts: db.prepare<[], { state: OrderState; n: number }>('SELECT state, COUNT(*) AS n FROM orders GROUP BY state'),
      oldestPending: db.prepare<[], { t: number | null }>(`SELECT MIN(created_at) AS t FROM orders WHERE state IN ('pending', 'sending')`),
    };
  }

  /** One transaction for the worker's records and claims (see runTransaction). */
  inTransaction<T>(fn: () => T, opts: { durable: boolean } = { durable: true }): T {
    return runTransaction(this.db, fn, opts);
  }

  get(orderId: string): OrderRow | undefined {
    return this.stmts.get.get(orderId);
  }

  /** The order a webhook delivery id already brought, if any. */
  deliveryOrder(deliveryId: string): string | undefined {
    return this.stmts.delivery.get(deliveryId)?.order_id;
  }

  /**
   * Queues an order's document unless it is already linked or queued. A failed one is
   * queued again only when its document changed (the shop corrected the order).
   */
  enqueue(
    job: { orderId: string; externalRef: string; idempotencyKey: string; document: string; docHash: string; deliveryId?: string },
    now: number,
  ): EnqueueOutcome {
    return this.db.transaction((): EnqueueOutcome => {
      if (job.deliveryId) this.stmts.addDelivery.run(job.deliveryId, job.orderId, now);
      const row = this.stmts.get.get(job.orderId);
      if (row?.state === 'done') return 'already_linked';
      if (row?.state === 'pending' || row?.state === 'sending') return 'already_queued';
      if ((row?.state === 'failed' || row?.state === 'dead') && row.doc_hash === job.docHash) return 'already_failed';
      this.stmts.insert.run({
        order_id: job.orderId,
        external_ref: job.externalRef,
        idempotency_key: job.idempotencyKey,
        document: job.document,
        doc_hash: job.docHash,
        now,
      });
      return row ? 'requeued' : 'queued';
    })();
  }

  /** Records an order that will not be sent (skipped or invalid); never overrides a linked or queued one. */
  recordNotSent(
    o: { orderId: string; externalRef: string; state: 'skipped' | 'invalid'; reason: string; error?: string; details?: unknown; deliveryId?: string },
    now: number,
  ): OrderRow | undefined {
    return this.db.transaction(() => {
      if (o.deliveryId) this.stmts.addDelivery.run(o.deliveryId, o.orderId, now);
      this.stmts.mark.run({
        order_id: o.orderId,
        external_ref: o.externalRef,
        state: o.state,
        reason: o.reason,
        error: o.error ?? null,
        details: o.details === undefined ? null : JSON.stringify(o.details),
        now,
      });
      return this.stmts.get.get(o.orderId);
    })();
  }

  /** Leases up to `limit` due jobs (pending and due, or sending with an expired lease). */
  claimDue(now: number, limit: number, leaseMs: number): OrderRow[] {
    return this.stmts.claim.all({ leaseUntil: now + leaseMs, now, limit });
  }

  markDone(orderId: string, totalgestId: string, number: string, now: number): void {
    this.stmts.done.run(totalgestId, number, now, now, orderId);
  }

  retryLater(orderId: string, error: string, at: number, now: number): void {
    this.stmts.retryLater.run(at, error, now, orderId);
  }

  markFailed(orderId: string, state: 'failed' | 'dead', reason: string, error: string, details: unknown, now: number): void {
    this.stmts.fail.run(state, reason, error, details === undefined ? null : JSON.stringify(details), now, orderId);
  }

  /** failed/dead → pending; returns the ids queued again. */
  retry(orderIds: string[] | 'all', now: number): string[] {
    if (orderIds === 'all') return this.stmts.retryAll.all(now, now).map((r) => (r as { order_id: string }).order_id);
    return this.db.transaction(() => orderIds.filter((id) => this.stmts.retryOne.run(now, now, id).changes > 0))();
  }

  /**
   * Jobs left in `sending` by a process that died: one database belongs to one process, so
   * at start-up nothing is really in flight and they are due again now.
   */
  releaseLeases(now: number): number {
    return this.stmts.release.run(now, now).changes;
  }

  nextDueAt(): number | undefined {
    return this.stmts.nextDue.get()?.t ?? undefined;
  }

  counts(): Record<OrderState, number> {
    const out: Record<OrderState, number> = { pending: 0, sending: 0, done: 0, failed: 0, dead: 0, skipped: 0, invalid: 0 };
    for (const r of this.stmts.counts.all()) out[r.state] = r.n;
    return out;
  }

  getMany(orderIds: string[]): Map<string, OrderRow> {
    return rowsByKey(this.stmts.get, orderIds);
  }

  /** A page of orders, newest change first, optionally by state and id prefix. */
  list(q: { states?: OrderState[]; search?: string; offset: number; limit: number }): { rows: OrderRow[]; total: number } {
    const where: string[] = [];
    const args: Array<string | number> = [];
    if (q.states?.length) {
      where.push(`state IN (${q.states.map(() => '?').join(',')})`);
      args.push(...q.states);
    }
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
        `SELECT order_id, error, updated_at FROM orders WHERE state IN ('failed', 'dead', 'invalid') AND error IS NOT NULL ORDER BY updated_at DESC LIMIT 1`,
      )
      .get() as { order_id: string; error: string; updated_at: number } | undefined;
    return row && { orderId: row.order_id, error: row.error, at: row.updated_at };
  }

  oldestPendingCreatedAt(): number | undefined {
    return this.stmts.oldestPending.get()?.t ?? undefined;
  }
}
