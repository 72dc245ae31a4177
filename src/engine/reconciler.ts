import type { EligibilityRule } from '../core/order-mapping';
import type { Framework360Client } from '../framework360/client';
import { errorSummary } from '../http/errors';
import { getMeta, setMeta, type StateDatabase } from '../store/state-db';
import type { OrderExporter } from './order-exporter';

export interface ReconcileOptions {
  /** Re-sweep this much before the last successful sweep's start. */
  overlapMs: number;
  /** How far back the very first sweep looks. */
  firstSweepDays: number;
  /** Framework360 status ids to list (`statuses[]`); empty = every status. */
  statuses: string[];
  pageSize: number;
  /** Upper bound on pages per sweep: a runaway listing cannot loop forever. */
  maxPages: number;
}

export const defaultReconcileOptions: ReconcileOptions = { overlapMs: 10 * 60_000, firstSweepDays: 7, statuses: ['3'], pageSize: 100, maxPages: 10_000 };

export interface ReconcileSummary {
  checked: number;
  enqueued: number;
  alreadyLinked: number;
  alreadyQueued: number;
  skipped: number;
  failed: number;
  failures: Array<{ orderId: string; reason: string }>;
  window: { from: string; to: string };
  pages: number;
  durationMs: number;
  finishedAt: string;
}

const LAST_START = 'orders.reconcile.lastStart';
export const LAST_RECONCILIATION = 'orders.lastReconciliation';

/**
 * The backstop beside webhooks: lists recent orders in Framework360 and hands every one that
 * is neither linked, queued nor failed to the same outbox a webhook would. Orders already
 * known cost a local lookup only. The window moves only after a sweep that finished.
 */
export class Reconciler {
  private readonly opts: ReconcileOptions;

  constructor(
    private readonly fw: Framework360Client,
    private readonly exporter: OrderExporter,
    private readonly db: StateDatabase,
    opts: Partial<ReconcileOptions> = {},
  ) {
    this.opts = { ...defaultReconcileOptions, ...opts };
  }

  window(now: number, since?: string): { from: string; to: string } {
    const last = getMeta(this.db, LAST_START);
    const from =
      since ?? (last ? new Date(Date.parse(last) - this.opts.overlapMs).toISOString() : new Date(now - this.opts.firstSweepDays * 86_400_000).toISOString());
    return { from, to: new Date(now).toISOString() };
  }

  async sweep(req: { since?: string; rule?: EligibilityRule; signal?: AbortSignal } = {}): Promise<ReconcileSummary> {
    const t0 = Date.now();
    if (req.since !== undefined && Number.isNaN(Date.parse(req.since))) throw new Error(`since: "${req.since}" is not an ISO date/time`);
    const window = this.window(t0, req.since);
    const s: ReconcileSummary = {
      checked: 0,
      enqueued: 0,
      alreadyLinked: 0,
      alreadyQueued: 0,
      skipped: 0,
      failed: 0,
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
    for (let page = 1; page <= this.opts.maxPages; page++) {
      if (req.signal?.aborted) throw new Error('reconciliation stopped before it finished; the window stays where it was');
      const list = await this.fw.listOrders({ statuses: this.opts.statuses, from: window.from, to: window.to, page, limit: this.opts.pageSize });
      s.pages += 1;
      for (const item of list.items) {
        s.checked += 1;
        const rawId = typeof item === 'object' && item !== null ? (item as { id?: unknown }).id : undefined;
        const id = rawId === undefined || rawId === null ? undefined : String(rawId);
        const known = id ? this.exporter.store.get(id) : undefined;
        if (known?.state === 'done') s.alreadyLinked += 1;
        else if (known?.state === 'pending' || known?.state === 'sending') s.alreadyQueued += 1;
        else if (known && ['failed', 'dead'].includes(known.state)) fail(id!, known.error ?? known.state);
        else {
          // New, skipped before (maybe paid since) or invalid before (maybe corrected): evaluate afresh.
          try {
            const r = this.exporter.submit(item, { rule: req.rule });
            if (r.outcome === 'queued') s.enqueued += 1;
            else if (r.outcome === 'already_linked') s.alreadyLinked += 1;
            else if (r.outcome === 'already_queued') s.alreadyQueued += 1;
            else if (r.outcome === 'skipped') s.skipped += 1;
            else fail(r.orderId ?? id ?? '(no id)', r.message ?? r.outcome);
          } catch (err) {
            // The store failed: stop here so the window does not move past this order.
            throw new Error(`order ${id ?? '?'} could not be stored: ${errorSummary(err)}`);
          }
        }
      }
      if (page >= list.pages || list.items.length === 0) break;
    }
    s.durationMs = Date.now() - t0;
    s.finishedAt = new Date().toISOString();
    // A custom `since` is a one-off look back: it does not move the regular window.
    if (req.since === undefined) setMeta(this.db, LAST_START, window.to);
    setMeta(this.db, LAST_RECONCILIATION, JSON.stringify(s));
    return s;
  }
}
