import { EventEmitter } from 'node:events';
import { idempotencyKey } from '../core/order-mapping';
import type { EventTime, IntakeOutcome } from '../core/order-lifecycle';
import type { FieldProblem } from '../core/schema-primitives';
import type { OrderRow, OrderStore, Transition } from '../store/order-store';

export type { OrderRow, Transition } from '../store/order-store';
import type { TotalGestClient } from '../totalgest/client';
import type { OrderDocument } from '../totalgest/schemas';
import { OutboxWorker, type WorkerSettings } from './outbox-worker';
import { defaultIntakeRules, prepareOrder, type IntakeRules } from './order-prepare';

export type SubmitOutcome = Exclude<IntakeOutcome, 'invalid'> | 'invalid' | 'total_mismatch' | 'dry_run';

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

export interface SubmitContext {
  rules?: IntakeRules;
  deliveryId?: string;
  dryRun?: boolean;
  /** The event's own sending time (a webhook's `sentAt`, the shop's clock); the order's `data_modifica` wins over it. */
  sentAt?: number;
  /** When this copy of the order was fetched (our clock): for copies without a time of the shop's. Default: now. */
  fetchedAt?: number;
}

export type ExporterOptions = WorkerSettings & {
  /** Webhook delivery ids are kept this long (their redelivery window), then pruned. */
  deliveryRetentionMs?: number;
  /** Which worker registry the jobs belong to: the state database file. */
  dbKey?: string;
};

const DEFAULT_DELIVERY_RETENTION_MS = 7 * 86_400_000;
const SHOP_CURRENCY = 'totalgest.shopCurrency';

/**
 * When a version of an order happened: its own modification time (the sending time breaks a tie
 * within one second), else the event's sending time — both the shop's clock — else when we
 * fetched it (our clock; see CLOCK_SKEW_MS for how the two are compared).
 */
function eventTime(modifiedAt: number | undefined, ctx: SubmitContext, now: number): EventTime {
  if (modifiedAt !== undefined) return { at: modifiedAt, tie: ctx.sentAt, fromShop: true };
  if (ctx.sentAt !== undefined) return { at: ctx.sentAt, fromShop: true };
  return { at: ctx.fetchedAt ?? now, fromShop: false };
}

/** States after which nothing more happens to an order without a new event. */
export const SETTLED = new Set(['done', 'failed', 'dead', 'skipped', 'invalid', 'needs_review']);

/** Transitions a person has to know about: raised to Catch nodes once each. */
export const ALERT_STATES = new Set(['failed', 'dead', 'needs_review']);

/**
 * The order outbox: intake (validation, eligibility, mapping, then the lifecycle's transition,
 * stored durably) and the worker that sends stored jobs in the background — exactly once per
 * order, however often anything is retried. Emits `transition` for every state change,
 * `settled` when an order reaches a settled state, `worker_error` when the store fails.
 */
export class OrderExporter extends EventEmitter {
  readonly worker: OutboxWorker;
  private pruneTimer: NodeJS.Timeout | undefined;
  /** stop() was called: the database may be closed under an answer that comes later. */
  private stopped = false;
  /** TotalGest's shop currency (orders in another fail currency_mismatch): remembered, refreshed at start. */
  shopCurrency: string;
  private readonly retentionMs: number;

  constructor(
    private readonly client: TotalGestClient,
    readonly store: OrderStore,
    private readonly notify: () => void,
    opts: ExporterOptions = {},
  ) {
    super();
    this.setMaxListeners(1000);
    this.retentionMs = opts.deliveryRetentionMs ?? DEFAULT_DELIVERY_RETENTION_MS;
    this.shopCurrency = store.meta(SHOP_CURRENCY) ?? 'CHF';
    this.worker = new OutboxWorker(client, store, opts.dbKey ?? `store-${Math.random()}`, opts);
    this.worker.on('changed', () => this.notify());
    this.worker.on('transition', (t: Transition) => this.onTransition(t));
    this.worker.on('worker_error', (err: unknown) => this.emit('worker_error', err));
  }

  get lastResult(): OutboxWorker['lastResult'] {
    return this.worker.lastResult;
  }

  /** Validation, eligibility and mapping, then the lifecycle's intake — durable when it returns. Throws only when the store fails. */
  submit(raw: unknown, ctx: SubmitContext = {}): SubmitResult {
    const rules = ctx.rules ?? defaultIntakeRules;
    let p = prepareOrder(raw, rules);
    // An order that may already be in TotalGest keeps its externalRef (and key) when the prefix changes: never a second document.
    const known = p.orderId ? this.store.get(p.orderId) : undefined;
    if (
      known &&
      p.externalRef !== known.external_ref &&
      (known.maybe_sent || known.totalgest_id) &&
      known.external_ref.endsWith(p.orderId!)
    ) {
      p = prepareOrder(raw, { ...rules, refPrefix: known.external_ref.slice(0, -p.orderId!.length) });
    }
    const v = p.verdict;
    const base: SubmitResult = {
      orderId: p.orderId,
      externalRef: p.externalRef,
      outcome: 'dry_run',
      ...(v.kind !== 'export' ? { reason: v.reason, message: v.message } : {}),
      ...(p.problems ? { problems: p.problems } : {}),
      ...(p.computed ? { computed: p.computed, given: p.given } : {}),
      ...(p.document ? { document: p.document } : {}),
    };
    const judged: SubmitOutcome =
      v.kind === 'export'
        ? 'dry_run'
        : v.kind === 'skip'
          ? 'skipped'
          : v.reason === 'total_mismatch'
            ? 'total_mismatch'
            : 'invalid';
    if (ctx.dryRun || !p.orderId || !p.externalRef) return { ...base, outcome: judged };
    const now = Date.now();
    const { decision, row, transition } = this.store.applyIntake(
      {
        orderId: p.orderId,
        externalRef: p.externalRef,
        idempotencyKey: idempotencyKey(this.client.shopId, p.externalRef),
        verdict: v,
        event: eventTime(p.modifiedAt, ctx, now),
        deliveryId: ctx.deliveryId,
      },
      now,
    );
    if (decision.patch) this.notify();
    if (transition) this.onTransition(transition);
    if (decision.outcome === 'queued' || decision.outcome === 'withdrawn') this.worker.kick();
    const outcome: SubmitOutcome = decision.outcome === 'invalid' ? judged : decision.outcome;
    const result: SubmitResult = { ...base, outcome };
    if (outcome === 'needs_review' || outcome === 'stale' || outcome === 'already_failed') {
      result.reason = outcome === 'stale' ? 'stale_event' : (row?.reason ?? outcome);
      result.message =
        outcome === 'stale'
          ? `order ${p.orderId}: an older event than the one already recorded; ignored`
          : `order ${p.orderId}: ${row?.error ?? outcome}`;
    }
    if (outcome === 'withdrawn')
      result.message = `order ${p.orderId}: ${v.kind === 'export' ? '' : v.message} — withdrawn from the queue`;
    return result;
  }

  start(): void {
    // Never on the acknowledgement path: intake uses the remembered currency meanwhile.
    this.client.getShop().then(
      (shop) => {
        this.shopCurrency = shop.currency;
        // The answer may come after a redeploy closed the database: a throw here would be an
        // unhandled rejection, which ends the Node-RED process.
        if (this.stopped) return;
        try {
          this.store.setMeta(SHOP_CURRENCY, shop.currency);
        } catch (err) {
          this.emit('worker_error', err);
        }
      },
      () => undefined,
    );
    this.prune();
    this.pruneTimer = setInterval(() => this.prune(), Math.min(this.retentionMs, 6 * 3_600_000));
    this.pruneTimer.unref?.();
    this.worker.start();
  }

  kick(): void {
    this.worker.kick();
  }

  /** failed/dead → pending (their age counted anew); returns the ids queued again (or that would be, in a dry run). */
  retry(orderIds: string[] | 'all', dryRun = false): string[] {
    const ids = this.store.retry(orderIds, Date.now(), dryRun);
    if (dryRun) return ids;
    if (ids.length) {
      this.notify();
      this.worker.kick();
    }
    return ids;
  }

  /** needs_review → linked (or not linked when TotalGest holds nothing): a person has dealt with it. */
  acknowledge(orderIds: string[]): string[] {
    const ids = this.store.acknowledge(orderIds, Date.now());
    if (ids.length) this.notify();
    return ids;
  }

  /** Resolves when every id has settled, or when `timeoutMs` passes (rows as they are then). */
  waitFor(orderIds: string[], timeoutMs: number): Promise<Map<string, OrderRow | undefined>> {
    return new Promise((resolve) => {
      const rows = new Map<string, OrderRow | undefined>();
      const open = new Set<string>();
      for (const id of orderIds) {
        const row = this.store.get(id);
        rows.set(id, row);
        if (row && !SETTLED.has(row.state)) open.add(id);
      }
      if (open.size === 0) return resolve(rows);
      let finished = false;
      const finish = (stopped: boolean): void => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        this.off('settled', onSettled);
        this.off('stopped', onStopped);
        if (!stopped) for (const id of open) rows.set(id, this.store.get(id));
        resolve(rows);
      };
      const onSettled = (id: string, row: OrderRow): void => {
        if (!open.has(id)) return;
        rows.set(id, row);
        open.delete(id);
        if (open.size === 0) finish(false);
      };
      const onStopped = (): void => finish(true);
      const timer = setTimeout(() => finish(false), timeoutMs);
      this.on('settled', onSettled);
      this.once('stopped', onStopped);
    });
  }

  /** Stops the worker (see OutboxWorker.stop) and the pruning. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pruneTimer);
    await this.worker.stop();
    this.emit('stopped');
  }

  private onTransition(t: Transition): void {
    this.emit('transition', t);
    if (SETTLED.has(t.to)) this.emit('settled', t.orderId, t.row);
  }

  private prune(): void {
    try {
      this.store.pruneDeliveries(Date.now() - this.retentionMs);
    } catch (err) {
      this.emit('worker_error', err);
    }
  }
}
