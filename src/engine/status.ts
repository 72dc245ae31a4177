import { STATE_LABELS, type Lang, type LinkState } from '../core/status-labels';
import type { OrderRow, OrderState, OrderStore } from '../store/order-store';
import type { ProductRow, ProductState, ProductStore } from '../store/product-store';
import type { ReconcileStore } from '../store/reconcile-store';

export interface ItemStatus {
  state: LinkState;
  label: string;
  totalgestId: string | null;
  number: string | null;
  /** When the item was last exported/synced (ISO), or last touched when not linked. */
  lastSync: string | null;
  error: string | null;
  /** Why an order is not linked (skipped: cancelled, not_paid) or failed (validation_failed, total_mismatch …). */
  reason: string | null;
}

const iso = (t: number | null | undefined): string | null => (t ? new Date(t).toISOString() : null);

const ORDER_STATE: Record<OrderState, LinkState> = {
  done: 'linked',
  pending: 'pending',
  sending: 'pending',
  failed: 'failed',
  dead: 'failed',
  invalid: 'failed',
  skipped: 'not_linked',
  needs_review: 'needs_review',
};

export const ORDER_DB_STATES: Record<LinkState, OrderState[]> = {
  linked: ['done'],
  pending: ['pending', 'sending'],
  failed: ['failed', 'dead', 'invalid'],
  needs_review: ['needs_review'],
  not_linked: ['skipped'],
};

// emitted: handed to the flow in emit mode, linked only once the flow confirms the write.
export const PRODUCT_DB_STATES: Record<LinkState, ProductState[]> = {
  linked: ['linked', 'deactivated'],
  pending: ['emitted'],
  failed: ['failed'],
  needs_review: [],
  not_linked: [],
};

function unseen(lang: Lang): ItemStatus {
  return {
    state: 'not_linked',
    label: STATE_LABELS[lang].not_linked,
    totalgestId: null,
    number: null,
    lastSync: null,
    error: null,
    reason: null,
  };
}

export function orderStatus(row: OrderRow | undefined, lang: Lang): ItemStatus {
  if (!row) return unseen(lang);
  const state = ORDER_STATE[row.state];
  return {
    state,
    label: STATE_LABELS[lang][state],
    totalgestId: row.totalgest_id,
    number: row.number,
    lastSync: iso(row.done_at ?? row.updated_at),
    error: state === 'failed' || state === 'pending' || state === 'needs_review' ? row.error : null,
    reason: row.reason,
  };
}

export function productStatus(row: ProductRow | undefined, lang: Lang): ItemStatus {
  if (!row) return unseen(lang);
  const state: LinkState = row.state === 'failed' ? 'failed' : row.state === 'emitted' ? 'pending' : 'linked';
  return {
    state,
    label: STATE_LABELS[lang][state],
    totalgestId: row.totalgest_id,
    number: row.fw360_id,
    lastSync: iso(row.synced_at ?? row.updated_at),
    error: row.error,
    reason: row.state === 'deactivated' ? 'deactivated' : row.state === 'emitted' ? 'awaiting_confirmation' : null,
  };
}

export interface StatusSummary {
  products: Record<LinkState, number> & { deactivated: number };
  orders: Record<LinkState, number>;
  queueDepth: number;
  oldestPendingAgeMs: number | null;
  lastProductSync: string | null;
  lastReconciliation: unknown;
  lastError: { item: string; error: string; at: string } | null;
}

/** Reads what the sync and the export recorded: one place that turns rows into link states. */
export class StatusReader {
  constructor(
    private readonly orders: OrderStore,
    private readonly products: ProductStore,
    private readonly reconciliation?: Pick<ReconcileStore, 'last'>,
  ) {}

  orderStatuses(ids: string[], lang: Lang): Record<string, ItemStatus> {
    const rows = this.orders.getMany(ids);
    return Object.fromEntries(ids.map((id) => [id, orderStatus(rows.get(id), lang)]));
  }

  productStatuses(skus: string[], lang: Lang): Record<string, ItemStatus> {
    const rows = this.products.getMany(skus);
    return Object.fromEntries(skus.map((sku) => [sku, productStatus(rows.get(sku), lang)]));
  }

  summary(now = Date.now()): StatusSummary {
    const o = this.orders.counts();
    const p = this.products.counts();
    const oldest = this.orders.oldestPendingCreatedAt();
    const errors = [this.orders.lastError(), this.products.lastError()]
      .filter((e): e is NonNullable<typeof e> => e !== undefined)
      .map((e) => ({ item: 'orderId' in e ? `order ${e.orderId}` : `product ${e.sku}`, error: e.error, at: e.at }))
      .sort((a, b) => b.at - a.at);
    const last = errors[0];
    return {
      products: {
        linked: p.linked + p.deactivated,
        pending: p.emitted,
        failed: p.failed,
        needs_review: 0,
        not_linked: 0,
        deactivated: p.deactivated,
      },
      orders: {
        linked: o.done,
        pending: o.pending + o.sending,
        failed: o.failed + o.dead + o.invalid,
        needs_review: o.needs_review,
        not_linked: o.skipped,
      },
      queueDepth: o.pending + o.sending,
      oldestPendingAgeMs: oldest === undefined ? null : now - oldest,
      lastProductSync: this.products.lastSuccessAt() ?? null,
      lastReconciliation: this.reconciliation?.last() ?? null,
      lastError: last ? { item: last.item, error: last.error, at: new Date(last.at).toISOString() } : null,
    };
  }

  listOrders(q: { state?: LinkState; search?: string; offset: number; limit: number }, lang: Lang) {
    const { rows, total } = this.orders.list({
      states: q.state ? ORDER_DB_STATES[q.state] : undefined,
      search: q.search,
      offset: q.offset,
      limit: q.limit,
    });
    return {
      total,
      items: rows.map((r) => ({ id: r.order_id, externalRef: r.external_ref, ...orderStatus(r, lang) })),
    };
  }

  listProducts(q: { state?: LinkState; search?: string; offset: number; limit: number }, lang: Lang) {
    const states = q.state ? PRODUCT_DB_STATES[q.state] : undefined;
    if (states && states.length === 0) return { total: 0, items: [] };
    const { rows, total } = this.products.list({ states, search: q.search, offset: q.offset, limit: q.limit });
    return { total, items: rows.map((r) => ({ id: r.sku, ...productStatus(r, lang) })) };
  }
}
