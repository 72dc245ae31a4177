import type { Framework360Client } from '../framework360/client';
import { errorSummary } from '../http/errors';
import type { OrderStore } from '../store/order-store';
import type { ReconcileStore } from '../store/reconcile-store';
import type { SubmitResult } from './order-exporter';
import { CommandError } from './errors';

export interface ReconcileOptions {
  /** Every sweep looks this far back by order date: a late payment of an older order is still found. */
  lookbackDays: number;
  /** Framework360 status ids to list (`statuses[]`); empty = every status. */
  statuses: string[];
  pageSize: number;
  /** Upper bound on pages per sweep: a runaway listing cannot loop forever. */
  maxPages: number;
  /** Orders stored as not paid that are asked about again per sweep (newest first). */
  maxRechecks: number;
}

export const defaultReconcileOptions: ReconcileOptions = {
  lookbackDays: 7,
  statuses: ['3'],
  pageSize: 100,
  maxPages: 10_000,
  maxRechecks: 500,
};

export interface ReconcileSummary {
  checked: number;
  enqueued: number;
  alreadyLinked: number;
  alreadyQueued: number;
  skipped: number;
  failed: number;
  needsReview: number;
  /** Orders stored as not paid, fetched again one by one. */
  rechecked: number;
  /** Dry run: what would be exported; nothing was stored. */
  dryRun: boolean;
  wouldExport: number;
  failures: Array<{ orderId: string; reason: string }>;
  window: { from: string; to: string };
  pages: number;
  durationMs: number;
  finishedAt: string;
}

/** The node's intake: override, rules and dry run applied exactly as for a webhook; `fetchedAt`: when the copy was asked for. */
export type Intake = (raw: unknown, fetchedAt: number) => Promise<SubmitResult>;

/**
 * The backstop beside webhooks: lists the orders of the lookback window in Framework360 and
 * hands every one that is not linked or queued to the same intake a webhook uses; orders
 * stored as not paid are fetched again (a payment may have come without a webhook). Linked
 * and queued orders cost a local lookup only.
 */
export class Reconciler {
  private readonly opts: ReconcileOptions;

  constructor(
    private readonly fw: Framework360Client,
    private readonly store: OrderStore,
    private readonly runs: ReconcileStore,
    opts: Partial<ReconcileOptions> = {},
  ) {
    this.opts = { ...defaultReconcileOptions, ...opts };
  }

  window(now: number, since?: string): { from: string; to: string } {
    const from = since ?? new Date(now - this.opts.lookbackDays * 86_400_000).toISOString();
    return { from, to: new Date(now).toISOString() };
  }

  async sweep(req: {
    intake: Intake;
    since?: string;
    dryRun?: boolean;
    signal?: AbortSignal;
  }): Promise<ReconcileSummary> {
    const t0 = Date.now();
    if (req.since !== undefined && Number.isNaN(Date.parse(req.since)))
      throw new Error(`since: "${req.since}" is not an ISO date/time`);
    const window = this.window(t0, req.since);
    const s: ReconcileSummary = {
      checked: 0,
      enqueued: 0,
      alreadyLinked: 0,
      alreadyQueued: 0,
      skipped: 0,
      failed: 0,
      needsReview: 0,
      rechecked: 0,
      dryRun: req.dryRun === true,
      wouldExport: 0,
      failures: [],
      window,
      pages: 0,
      durationMs: 0,
      finishedAt: '',
    };
    const fail = (orderId: string, reason: string): void => {
      s.failed += 1;
      if (s.failures.length < 100) s.failures.push({ orderId, reason });
    };
    const seen = new Set<string>();
    const take = async (item: unknown, id: string | undefined, fetchedAt: number): Promise<void> => {
      s.checked += 1;
      if (id) seen.add(id);
      const known = id ? this.store.get(id) : undefined;
      if (known?.state === 'done') return void (s.alreadyLinked += 1);
      if (known?.state === 'pending' || known?.state === 'sending') return void (s.alreadyQueued += 1);
      let r: SubmitResult;
      try {
        r = await req.intake(item, fetchedAt);
      } catch (err) {
        // The store failed: stop here; the next sweep covers the same window again.
        throw new Error(`order ${id ?? '?'} could not be stored: ${errorSummary(err)}`);
      }
      switch (r.outcome) {
        case 'queued':
        case 'deferred':
          s.enqueued += 1;
          break;
        case 'dry_run':
          s.wouldExport += 1;
          break;
        case 'already_linked':
          s.alreadyLinked += 1;
          break;
        case 'already_queued':
          s.alreadyQueued += 1;
          break;
        case 'skipped':
        case 'withdrawn':
        case 'stale':
          s.skipped += 1;
          break;
        case 'needs_review':
          s.needsReview += 1;
          break;
        default:
          fail(r.orderId ?? id ?? '(no id)', r.message ?? r.outcome);
      }
    };
    for (let page = 1; page <= this.opts.maxPages; page++) {
      if (req.signal?.aborted) throw new Error('reconciliation stopped before it finished');
      // A listed copy is as new as the request, not as its intake: a change applied meanwhile is newer.
      const fetchedAt = Date.now();
      const list = await this.fw
        .listOrders(
          { statuses: this.opts.statuses, from: window.from, to: window.to, page, limit: this.opts.pageSize },
          req.signal,
        )
        .catch((err: unknown) => {
          throw req.signal?.aborted ? new Error('reconciliation stopped before it finished') : err;
        });
      s.pages += 1;
      for (const item of list.items) await take(item, idOf(item), fetchedAt);
      if (page >= list.pages || list.items.length === 0) break;
    }
    // Not paid when last seen, maybe paid since (in a status the listing leaves out, or dated before the window).
    const since = Date.parse(window.from);
    for (const id of this.store.notPaidSince(since, this.opts.maxRechecks)) {
      if (seen.has(id)) continue;
      if (req.signal?.aborted) throw new Error('reconciliation stopped before it finished');
      let order: unknown;
      const fetchedAt = Date.now();
      try {
        order = await this.fw.getOrder(id, req.signal);
      } catch (err) {
        if (req.signal?.aborted) throw new Error('reconciliation stopped before it finished');
        fail(id, `orders/get: ${errorSummary(err)}`);
        continue;
      }
      s.rechecked += 1;
      await take(order, id, fetchedAt);
    }
    s.durationMs = Date.now() - t0;
    s.finishedAt = new Date().toISOString();
    if (!s.dryRun) this.runs.record(s);
    return s;
  }
}

/** What a reconcile command answers: the sweep's summary, or why it did not run (the HTTP status a flow answers with). */
/** `problem` names the refusal, so the node can word it in its language. */
export type ReconcileResult =
  | { kind: 'summary'; summary: ReconcileSummary }
  | {
      kind: 'refused';
      statusCode: number;
      message: string;
      problem: 'since' | 'sinceNotDate' | 'reconcileNeedsFramework360';
    };

export interface ReconcileRequest {
  /** The push node's Framework360 client; undefined when it has none. */
  fw: (() => Framework360Client) | undefined;
  options: Partial<ReconcileOptions>;
  /** The push node's intake (override, rules); a CommandError from it fails that order, not the sweep. */
  intake: (raw: unknown, ctx: { dryRun: boolean; fetchedAt: number }) => Promise<SubmitResult>;
  /** From the message: an ISO date/time, or undefined for the lookback window. */
  since: unknown;
  dryRun: boolean;
}

/**
 * The reconcile command of one requester (a push node): one sweep of a kind at a time; a trigger
 * during a sweep of the same kind (dry run or not, same since) gets that sweep's result.
 */
export class ReconcileCommand {
  private readonly sweeps = new Map<string, Promise<ReconcileSummary>>();
  /** Aborted when the requester goes (a push node closed on its own): its sweeps stop with it. */
  private readonly ended = new AbortController();

  constructor(
    private readonly deps: {
      orders: () => OrderStore;
      runs: () => ReconcileStore;
      /** Runs the sweep as the connection's tracked work, aborted when the connection stops. */
      run: <T>(work: (signal: AbortSignal) => Promise<T>) => Promise<T>;
      /** A sweep started or ended: status displays refresh. */
      changed: () => void;
    },
  ) {}

  async reconcile(req: ReconcileRequest): Promise<ReconcileResult> {
    const { since, dryRun } = req;
    // A bad since is the caller's mistake (400), found before any sweep; not "unavailable, try again".
    if (since !== undefined && typeof since !== 'string')
      return {
        kind: 'refused',
        statusCode: 400,
        message: 'msg.payload.since must be an ISO date/time string',
        problem: 'since',
      };
    if (since !== undefined && Number.isNaN(Date.parse(since)))
      return {
        kind: 'refused',
        statusCode: 400,
        message: `since: "${since.slice(0, 40)}" is not an ISO date/time`,
        problem: 'sinceNotDate',
      };
    if (!req.fw)
      return {
        kind: 'refused',
        statusCode: 400,
        message: 'reconcile needs a Framework360 connection: select one in the node',
        problem: 'reconcileNeedsFramework360',
      };
    const kind = `${dryRun}|${since ?? ''}`;
    let sweeping = this.sweeps.get(kind);
    if (!sweeping) {
      const reconciler = new Reconciler(req.fw(), this.deps.orders(), this.deps.runs(), req.options);
      const intake = async (raw: unknown, fetchedAt: number): Promise<SubmitResult> => {
        try {
          return await req.intake(raw, { dryRun, fetchedAt });
        } catch (err) {
          if (!(err instanceof CommandError)) throw err;
          // An override that fails on one order fails that order, not the sweep.
          const id = (raw as { id?: unknown } | null)?.id;
          return {
            orderId: id === undefined ? undefined : String(id),
            externalRef: undefined,
            outcome: 'invalid',
            message: err.message,
          };
        }
      };
      sweeping = this.deps
        .run((signal) =>
          reconciler.sweep({ since, intake, dryRun, signal: AbortSignal.any([signal, this.ended.signal]) }),
        )
        .finally(() => {
          this.sweeps.delete(kind);
          this.deps.changed();
        });
      this.sweeps.set(kind, sweeping);
      this.deps.changed();
    }
    return { kind: 'summary', summary: await sweeping };
  }

  /** The requester is gone: its sweeps stop at their next request or safe point. */
  end(): void {
    this.ended.abort();
  }
}

function idOf(item: unknown): string | undefined {
  const rawId = typeof item === 'object' && item !== null ? (item as { id?: unknown }).id : undefined;
  return rawId === undefined || rawId === null ? undefined : String(rawId);
}
