import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { defaultEligibility, eligibility, externalRefOf, idempotencyKey, orderToDocument, type EligibilityRule } from '../core/order-mapping';
import { describeProblems, zodProblems, type FieldProblem } from '../core/schema-primitives';
import { orderSchema } from '../framework360/schemas';
import { ApiError, causeText, DuplicateError, isRetryable, retryAfterOf, ValidationError } from '../http/errors';
import { backoffDelay, type RetryPolicy } from '../http/retry';
import type { OrderRow, OrderStore } from '../store/order-store';
import type { TotalGestClient } from '../totalgest/client';
import type { OrderDocument } from '../totalgest/schemas';

export type SubmitOutcome = 'queued' | 'already_linked' | 'already_queued' | 'already_failed' | 'skipped' | 'invalid' | 'total_mismatch' | 'dry_run';

export interface SubmitResult {
  orderId: string | undefined;
  externalRef: string | undefined;
  outcome: SubmitOutcome;
  reason?: string;
  message?: string;
  problems?: FieldProblem[];
  document?: OrderDocument;
  computed?: string;
  given?: string;
}

export interface ExporterOptions {
  /** Sends in flight at once (the client's limiter caps the connection as a whole). */
  concurrency: number;
  /** Attempts before a job is `dead`; and the oldest a job may get. */
  maxAttempts: number;
  maxAgeMs: number;
  leaseMs: number;
  /** Outbox backoff between attempts (each attempt itself has the client's short retries). */
  backoff: RetryPolicy;
  /** Retries inside one attempt: short, so a redeploy never waits long for a send to end. */
  sendPolicy: Partial<RetryPolicy>;
}

export const defaultExporterOptions: ExporterOptions = {
  concurrency: 4,
  maxAttempts: 10,
  maxAgeMs: 3 * 24 * 3600_000,
  leaseMs: 5 * 60_000,
  backoff: { maxAttempts: Infinity, baseDelayMs: 2_000, maxDelayMs: 10 * 60_000, maxTotalMs: Infinity },
  sendPolicy: { maxAttempts: 2, maxTotalMs: 10_000 },
};

const TERMINAL = new Set(['done', 'failed', 'dead', 'skipped', 'invalid']);

function idOf(raw: unknown): string | undefined {
  const id = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
  return (typeof id === 'number' && Number.isSafeInteger(id) && id > 0) || (typeof id === 'string' && /^\d{1,15}$/.test(id)) ? String(id) : undefined;
}

/**
 * The order outbox: validates, checks eligibility and maps an order, stores the document
 * durably, and sends stored jobs in the background — exactly once per order, however often
 * anything is retried (stable Idempotency-Key; a 409 links to the existing document).
 */
export class OrderExporter extends EventEmitter {
  private readonly opts: ExporterOptions;
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Sends that finished, waiting to be recorded together with the next claim (group commit). */
  private completed: Array<{ orderId: string; record: () => void }> = [];
  private timer: NodeJS.Timeout | undefined;
  private pumping = false;
  private pumpAgain = false;
  private stopped = false;
  /** Last send result, for node status. */
  lastResult: { orderId: string; externalRef: string; ok: boolean; text: string; at: number } | undefined;

  constructor(
    private readonly client: TotalGestClient,
    readonly store: OrderStore,
    private readonly notify: () => void,
    opts: Partial<ExporterOptions> = {},
  ) {
    super();
    this.setMaxListeners(1000);
    this.opts = { ...defaultExporterOptions, ...opts };
  }

  /** Validation, eligibility and mapping, without storing anything. */
  prepare(raw: unknown, rule: EligibilityRule = defaultEligibility): SubmitResult & { state?: 'skipped' | 'invalid' } {
    const parsed = orderSchema.safeParse(raw);
    const rawId = idOf(raw);
    if (!parsed.success) {
      const problems = zodProblems(parsed.error);
      return {
        orderId: rawId,
        externalRef: rawId && externalRefOf(rawId),
        outcome: 'invalid',
        state: 'invalid',
        reason: 'invalid_order',
        message: `invalid order${rawId ? ` ${rawId}` : ''}: ${describeProblems(problems)}`,
        problems,
      };
    }
    const order = parsed.data;
    const orderId = String(order.id);
    const externalRef = externalRefOf(order.id);
    const elig = eligibility(order, rule);
    if (!elig.eligible)
      return {
        orderId,
        externalRef,
        outcome: 'skipped',
        state: 'skipped',
        reason: elig.reason,
        message: `order ${orderId} skipped: ${elig.reason === 'cancelled' ? 'cancelled' : 'not paid and not cash on delivery'}`,
      };
    const mapped = orderToDocument(order);
    if (!mapped.ok) {
      return mapped.reason === 'total_mismatch'
        ? {
            orderId,
            externalRef,
            outcome: 'total_mismatch',
            state: 'invalid',
            reason: 'total_mismatch',
            message: `order ${orderId}: ${mapped.message}`,
            computed: mapped.computed,
            given: mapped.given,
          }
        : {
            orderId,
            externalRef,
            outcome: 'invalid',
            state: 'invalid',
            reason: 'invalid_order',
            message: `invalid order ${orderId}: ${mapped.message}`,
            problems: mapped.problems,
          };
    }
    return { orderId, externalRef, outcome: 'dry_run', document: mapped.document };
  }

  /** Validates, maps and stores an order; on return the outcome is on disk. Throws only when the store fails. */
  submit(raw: unknown, opts: { rule?: EligibilityRule; deliveryId?: string; dryRun?: boolean } = {}): SubmitResult {
    const prepared = this.prepare(raw, opts.rule);
    const { state, ...result } = prepared;
    if (opts.dryRun || !result.orderId || !result.externalRef) return result;
    const now = Date.now();
    if (state) {
      const row = this.store.recordNotSent(
        {
          orderId: result.orderId,
          externalRef: result.externalRef,
          state,
          reason: result.reason ?? state,
          error: result.message,
          details: result.problems ?? (result.computed ? { computed: result.computed, given: result.given } : undefined),
          deliveryId: opts.deliveryId,
        },
        now,
      );
      this.notify();
      // A repeated order that is already linked or queued stays so: report that, not the new verdict.
      if (row && row.state === 'done') return { ...result, outcome: 'already_linked' };
      if (row && (row.state === 'pending' || row.state === 'sending')) return { ...result, outcome: 'already_queued' };
      return result;
    }
    const document = JSON.stringify(result.document);
    const outcome = this.store.enqueue(
      {
        orderId: result.orderId,
        externalRef: result.externalRef,
        idempotencyKey: idempotencyKey(this.client.shopId, result.externalRef),
        document,
        docHash: createHash('sha256').update(document).digest('hex'),
        deliveryId: opts.deliveryId,
      },
      now,
    );
    this.notify();
    if (outcome === 'queued' || outcome === 'requeued') this.kick();
    return { ...result, outcome: outcome === 'requeued' ? 'queued' : outcome };
  }

  start(): void {
    if (this.store.releaseLeases(Date.now()) > 0) this.notify();
    this.kick();
  }

  kick(): void {
    if (this.stopped) return;
    setImmediate(() => void this.pump());
  }

  retry(orderIds: string[] | 'all'): string[] {
    const ids = this.store.retry(orderIds, Date.now());
    if (ids.length) {
      this.notify();
      this.kick();
    }
    return ids;
  }

  /** Resolves when every id has reached a final state, or when `timeoutMs` passes (rows as they are then). */
  waitFor(orderIds: string[], timeoutMs: number): Promise<Map<string, OrderRow | undefined>> {
    return new Promise((resolve) => {
      const rows = new Map<string, OrderRow | undefined>();
      const open = new Set<string>();
      for (const id of orderIds) {
        const row = this.store.get(id);
        rows.set(id, row);
        if (row && !TERMINAL.has(row.state)) open.add(id);
      }
      if (open.size === 0) return resolve(rows);
      const finish = (): void => {
        clearTimeout(timer);
        this.off('settled', onSettled);
        this.off('stopped', finish);
        if (!this.stopped) for (const id of open) rows.set(id, this.store.get(id));
        resolve(rows);
      };
      const onSettled = (id: string, row: OrderRow): void => {
        if (!open.has(id)) return;
        rows.set(id, row);
        open.delete(id);
        if (open.size === 0) finish();
      };
      const timer = setTimeout(finish, timeoutMs);
      this.on('settled', onSettled);
      this.once('stopped', finish);
    });
  }

  /** Stops taking jobs, waits for the sends in flight (bounded by the send policy) and records them. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.allSettled([...this.inFlight.values()]);
    this.recordCompleted(0);
    this.emit('stopped');
  }

  private pump(): void {
    if (this.stopped) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        const jobs = this.recordCompleted(this.opts.concurrency - this.inFlight.size);
        for (const job of jobs) {
          const p = this.send(job).finally(() => {
            this.inFlight.delete(job.order_id);
            this.kick();
          });
          this.inFlight.set(job.order_id, p);
        }
      } while (this.pumpAgain);
    } catch (err) {
      this.emit('worker_error', err);
    } finally {
      this.pumping = false;
      this.schedule();
    }
  }

  /**
   * Records every finished send and claims up to `free` due jobs in one transaction: one disk
   * sync per turn of the event loop instead of two per order. A crash before the record
   * only means the job is sent again, which the Idempotency-Key makes harmless.
   */
  private recordCompleted(free: number): OrderRow[] {
    const done = this.completed;
    if (done.length === 0 && free <= 0) return [];
    this.completed = [];
    let jobs: OrderRow[] = [];
    try {
      jobs = this.store.inTransaction(
        () => {
          for (const c of done) c.record();
          return free > 0 ? this.store.claimDue(Date.now(), free, this.opts.leaseMs) : [];
        },
        { durable: false },
      );
    } catch (err) {
      // The records are lost with the transaction; the lease brings those jobs back.
      this.emit('worker_error', err);
      return [];
    }
    if (done.length || jobs.length) this.notify();
    for (const c of done) {
      const row = this.store.get(c.orderId);
      if (row && TERMINAL.has(row.state)) this.emit('settled', c.orderId, row);
    }
    return jobs;
  }

  private schedule(): void {
    clearTimeout(this.timer);
    if (this.stopped || this.inFlight.size >= this.opts.concurrency) return;
    const due = this.store.nextDueAt();
    if (due === undefined) return;
    const delay = Math.min(Math.max(0, due - Date.now()), 2 ** 31 - 1);
    this.timer = setTimeout(() => this.pump(), Math.max(delay, 5));
  }

  private async send(job: OrderRow): Promise<void> {
    const ref = job.external_ref;
    let record: () => void;
    try {
      const document = JSON.parse(job.document ?? 'null') as OrderDocument;
      const created = await this.client.createOrder(document, job.idempotency_key ?? idempotencyKey(this.client.shopId, ref), this.opts.sendPolicy);
      record = () => this.store.markDone(job.order_id, created.id, created.number, Date.now());
      this.lastResult = { orderId: job.order_id, externalRef: ref, ok: true, text: `${ref} → ${created.number}`, at: Date.now() };
    } catch (err) {
      record = await this.failure(job, err);
    }
    this.completed.push({ orderId: job.order_id, record });
  }

  /** What to record for a failed send. */
  private async failure(job: OrderRow, err: unknown): Promise<() => void> {
    const ref = job.external_ref;
    const now = Date.now();
    if (err instanceof DuplicateError) {
      // Already in TotalGest: link to the existing document.
      try {
        const existing = await this.client.findOrderByExternalRef(ref, this.opts.sendPolicy);
        const id = existing?.id ?? err.existingId ?? '';
        const number = existing?.number ?? id;
        this.lastResult = { orderId: job.order_id, externalRef: ref, ok: true, text: `${ref} → ${number} (existing)`, at: now };
        return () => this.store.markDone(job.order_id, id, number, Date.now());
      } catch (lookupErr) {
        return this.failure(job, lookupErr);
      }
    }
    // Stored concise (the field and what is wrong): it is what the report, the status page and the status show.
    const text = causeText(err);
    this.lastResult = { orderId: job.order_id, externalRef: ref, ok: false, text: `${ref}: ${text}`, at: now };
    if (err instanceof ValidationError) {
      return () => this.store.markFailed(job.order_id, 'failed', err.code ?? 'validation_failed', text, err.details, Date.now());
    }
    // Transient trouble, and also auth/forbidden (the user may fix the credentials): retry later, bounded.
    const permanent = err instanceof ApiError && !isRetryable(err) && ['remote', 'not_found'].includes(err.kind);
    if (permanent) return () => this.store.markFailed(job.order_id, 'failed', err.code ?? 'rejected', text, undefined, Date.now());
    if (job.attempts >= this.opts.maxAttempts || now - job.created_at > this.opts.maxAgeMs) {
      return () => this.store.markFailed(job.order_id, 'dead', 'gave_up', `gave up after ${job.attempts} attempts: ${text}`, undefined, Date.now());
    }
    const delay = backoffDelay(this.opts.backoff, job.attempts, retryAfterOf(err));
    return () => this.store.retryLater(job.order_id, text, now + delay, Date.now());
  }
}
