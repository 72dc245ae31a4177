import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import os from 'node:os';
import { defaultRetryTiming, type RetryTiming, type SendResult } from '../core/order-lifecycle';
import { idempotencyKey } from '../core/order-mapping';
import {
  ApiError,
  AuthError,
  BadResponseError,
  causeText,
  ConfigError,
  DuplicateError,
  ForbiddenError,
  NotFoundError,
  RateLimitedError,
  TransientError,
  ValidationError,
} from '../http/errors';
import type { RetryPolicy } from '../http/retry';
import type { OrderRow, OrderStore, Transition } from '../store/order-store';
import type { TotalGestClient } from '../totalgest/client';
import type { OrderDocument } from '../totalgest/schemas';

export interface WorkerOptions {
  /** Sends in flight at once (the client's limiter caps the connection as a whole). */
  concurrency: number;
  /** A lease is renewed every third of this while its send runs; a crashed owner's jobs are free after it. */
  leaseMs: number;
  timing: RetryTiming;
  /** Retries inside one attempt: short, so a redeploy never waits long for a send to end. */
  sendPolicy: Partial<RetryPolicy>;
  /** How long stop() waits for sends in flight before it hands them back to the queue. */
  stopGraceMs: number;
}

/** Options as callers give them: any subset, the retry timing too. */
export type WorkerSettings = Partial<Omit<WorkerOptions, 'timing'>> & { timing?: Partial<RetryTiming> };

export const defaultWorkerOptions: WorkerOptions = {
  concurrency: 4,
  leaseMs: 60_000,
  timing: defaultRetryTiming,
  sendPolicy: { maxAttempts: 2, maxTotalMs: 10_000 },
  // Node-RED gives a closing node 15 s.
  stopGraceMs: 8_000,
};

/**
 * The orders this process is sending, per state database: a job is never claimed twice in one
 * process — not even by the worker of a redeployed flow while the old one's send still runs.
 */
const busy = new Map<string, Set<string>>();
const freed = new EventEmitter().setMaxListeners(0);
/** Lease owners alive in this process. */
const liveOwners = new Set<string>();
const HOST = os.hostname();

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A lease owner that can no longer send: a process on this host that is gone, or a stopped worker of this one. */
export function ownerGone(owner: string): boolean {
  const [host, pid] = owner.split('|');
  if (host !== HOST) return false; // another machine: its lease runs out on its own
  if (Number(pid) === process.pid) return !liveOwners.has(owner);
  return !pidAlive(Number(pid));
}

/**
 * The outbox worker: claims due jobs under an owned lease, sends them, classifies the answer
 * into a SendResult and records the transition (core/order-lifecycle decides it) together with
 * the next claim — one disk sync per turn instead of two per order.
 */
export class OutboxWorker extends EventEmitter {
  readonly owner = `${HOST}|${process.pid}|${randomUUID().slice(0, 8)}`;
  private readonly opts: WorkerOptions;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly busyHere: Set<string>;
  private completed: Array<{ orderId: string; result: SendResult }> = [];
  private timer: NodeJS.Timeout | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private pumping = false;
  private pumpAgain = false;
  /** No more claims (stop() was called); sends that end within the grace time are still recorded. */
  private stopped = false;
  /** The grace time is over: sends still running are handed back, their answers dropped. */
  private abandoned = false;
  private readonly onFreed = (): void => this.kick();
  /** Last send result, for node status. */
  /** The last send and what it came to: the push node words it in the runtime's language. */
  lastResult: { orderId: string; externalRef: string; result: SendResult; at: number } | undefined;

  constructor(
    private readonly client: TotalGestClient,
    private readonly store: OrderStore,
    private readonly dbKey: string,
    opts: WorkerSettings = {},
  ) {
    super();
    this.setMaxListeners(1000);
    this.opts = { ...defaultWorkerOptions, ...opts, timing: { ...defaultWorkerOptions.timing, ...opts.timing } };
    let set = busy.get(dbKey);
    if (!set) busy.set(dbKey, (set = new Set()));
    this.busyHere = set;
  }

  get timing(): RetryTiming {
    return this.opts.timing;
  }

  start(): void {
    liveOwners.add(this.owner);
    freed.on(this.dbKey, this.onFreed);
    try {
      const released = this.store.releaseOrphans(ownerGone, Date.now(), this.opts.timing);
      if (released > 0) this.emit('changed');
    } catch (err) {
      this.emit('worker_error', err);
    }
    this.renewTimer = setInterval(() => this.renew(), Math.max(10, Math.floor(this.opts.leaseMs / 3)));
    this.renewTimer.unref?.();
    this.kick();
  }

  kick(): void {
    if (this.stopped) return;
    setImmediate(() => this.pump());
  }

  get sending(): number {
    return this.inFlight.size;
  }

  /**
   * Stops claiming, waits up to the grace time for the sends in flight and records them; the
   * ones still running are handed back to the queue (due now — their Idempotency-Key makes a
   * repeat harmless), and stay out of this process's claims until they end.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.recordTimer);
    freed.off(this.dbKey, this.onFreed);
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.inFlight.values()]),
      new Promise((resolve) => {
        grace = setTimeout(resolve, this.opts.stopGraceMs);
      }),
    ]);
    clearTimeout(grace);
    clearInterval(this.renewTimer);
    this.abandoned = true;
    try {
      this.store.inTransaction(() => {
        this.recordAll();
        this.transitions.push(...this.store.releaseOwned(this.owner, Date.now(), this.opts.timing));
      });
      this.emitAll();
    } catch (err) {
      this.transitions = [];
      this.emit('worker_error', err);
    }
    liveOwners.delete(this.owner);
    this.emit('stopped');
  }

  private transitions: Transition[] = [];

  /** Records the finished sends, inside the caller's transaction; they stay queued until it commits. */
  private recordAll(): void {
    const now = Date.now();
    for (const c of this.completed) {
      const t = this.store.settle(c.orderId, this.owner, c.result, now, this.opts.timing);
      if (t) this.transitions.push(t);
    }
  }

  private emitAll(): void {
    this.completed = [];
    const all = this.transitions;
    this.transitions = [];
    if (all.length) this.emit('changed');
    for (const t of all) this.emit('transition', t);
  }

  private renew(): void {
    if (this.inFlight.size === 0) return;
    try {
      this.store.renewLeases(this.owner, Date.now() + this.opts.leaseMs, this.inFlight.keys());
    } catch (err) {
      this.emit('worker_error', err);
    }
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
        const jobs = this.recordAndClaim(this.opts.concurrency - this.inFlight.size);
        for (const job of jobs) this.launch(job);
      } while (this.pumpAgain);
    } catch (err) {
      this.emit('worker_error', err);
    } finally {
      this.pumping = false;
      this.schedule();
    }
  }

  private launch(job: OrderRow): void {
    this.busyHere.add(job.order_id);
    const p = this.send(job).then((result) => {
      this.inFlight.delete(job.order_id);
      this.busyHere.delete(job.order_id);
      if (this.abandoned) {
        // Handed back at stop: another worker of this process may take it now.
        freed.emit(this.dbKey);
        return;
      }
      this.completed.push({ orderId: job.order_id, result });
      this.kick();
    });
    this.inFlight.set(job.order_id, p);
  }

  /** Records every finished send and claims up to `free` due jobs in one transaction. */
  private recordAndClaim(free: number): OrderRow[] {
    if (this.completed.length === 0 && free <= 0) return [];
    let jobs: OrderRow[] = [];
    try {
      jobs = this.store.inTransaction(
        () => {
          this.recordAll();
          return free > 0 ? this.store.claimDue(Date.now(), free, this.opts.leaseMs, this.owner, this.busyHere) : [];
        },
        { durable: false },
      );
    } catch (err) {
      // Nothing was written: the records stay queued and are tried again shortly.
      this.transitions = [];
      this.emit('worker_error', err);
      this.retryRecordsSoon();
      return [];
    }
    if (jobs.length) this.emit('changed');
    this.emitAll();
    return jobs;
  }

  private recordTimer: NodeJS.Timeout | undefined;

  private retryRecordsSoon(): void {
    if (this.recordTimer || this.stopped) return;
    this.recordTimer = setTimeout(() => {
      this.recordTimer = undefined;
      this.pump();
    }, 1_000);
  }

  private schedule(): void {
    clearTimeout(this.timer);
    if (this.stopped || this.inFlight.size >= this.opts.concurrency) return;
    let due: number | undefined;
    try {
      due = this.store.nextDueAt(this.busyHere);
    } catch (err) {
      this.emit('worker_error', err);
      due = Date.now() + 5_000;
    }
    if (due === undefined) return;
    const delay = Math.min(Math.max(0, due - Date.now()), 2 ** 31 - 1);
    this.timer = setTimeout(() => this.pump(), Math.max(delay, 5));
  }

  private async send(job: OrderRow): Promise<SendResult> {
    const ref = job.external_ref;
    const policy = this.opts.sendPolicy;
    const result = await (async (): Promise<SendResult> => {
      try {
        if (job.action === 'verify_withdraw') {
          const found = await this.client.findOrderByExternalRef(ref, policy);
          return found
            ? { kind: 'exists', totalgestId: found.id, number: found.number, total: found.total, via: 'verify' }
            : { kind: 'absent' };
        }
        const document = JSON.parse(job.document ?? 'null') as OrderDocument;
        const created = await this.client.createOrder(
          document,
          job.idempotency_key ?? idempotencyKey(this.client.shopId, ref),
          policy,
        );
        return { kind: 'created', totalgestId: created.id, number: created.number };
      } catch (err) {
        return this.classify(ref, err);
      }
    })();
    this.lastResult = { orderId: job.order_id, externalRef: ref, result, at: Date.now() };
    return result;
  }

  /** A failed send → retry later or final; a 409 is a link only when a real document answers for it. */
  private async classify(ref: string, err: unknown): Promise<SendResult> {
    if (
      err instanceof DuplicateError &&
      (err.code === 'duplicate_external_ref' || err.code === 'idempotency_key_reused')
    ) {
      try {
        const found = await this.client.findOrderByExternalRef(ref, this.opts.sendPolicy);
        if (found)
          return { kind: 'exists', totalgestId: found.id, number: found.number, total: found.total, via: err.code };
      } catch (lookupErr) {
        return classifyError(lookupErr);
      }
      if (err.code === 'idempotency_key_reused') {
        return {
          kind: 'final',
          reason: 'idempotency_key_reused',
          message: 'TotalGest refused the Idempotency-Key (used with another body) and holds no document for it',
        };
      }
      // The duplicate is not visible yet: look again later.
      return {
        kind: 'retry',
        message: `TotalGest reports ${ref} as existing but does not list it yet`,
        maybeSent: true,
      };
    }
    return classifyError(err);
  }
}

/** Typed errors → what the lifecycle does with them. */
export function classifyError(err: unknown): SendResult {
  // Stored concise (the field and what is wrong): it is what the report, the status page and the status show.
  const message = causeText(err);
  if (err instanceof ValidationError)
    return { kind: 'final', reason: err.code ?? 'validation_failed', message, details: err.details };
  if (err instanceof DuplicateError)
    return {
      kind: 'retry',
      message: `TotalGest: ${err.code ?? 'conflict'}, trying again later`,
      maybeSent: true,
      conflict: err.code ?? 'conflict',
    };
  if (err instanceof RateLimitedError)
    return { kind: 'retry', message, retryAfterMs: err.retryAfterMs, maybeSent: false };
  if (err instanceof TransientError) {
    // Refused, TLS or a 503 never reached the server's processing; a timeout or a reset may have.
    const definite = err.networkCause === 'unreachable' || err.networkCause === 'tls' || err.status === 503;
    return { kind: 'retry', message, retryAfterMs: err.retryAfterMs, maybeSent: !definite };
  }
  // The user may fix credentials, rights or the endpoint: keep trying until the age limit.
  if (
    err instanceof AuthError ||
    err instanceof ForbiddenError ||
    err instanceof NotFoundError ||
    err instanceof ConfigError
  )
    return { kind: 'retry', message, maybeSent: false };
  if (err instanceof BadResponseError) return { kind: 'retry', message, maybeSent: true };
  if (err instanceof ApiError && err.status !== undefined && err.status >= 400 && err.status < 500)
    return { kind: 'final', reason: err.code ?? 'rejected', message };
  return { kind: 'retry', message, maybeSent: true };
}
