import type { OrderDocument } from '../totalgest/schemas';
import type { OrderExporter, OrderRow, SubmitContext, SubmitResult } from './order-exporter';
import { buildReport, reportItem, type ExportReport } from './export-report';
import type { IntakeRules } from './order-prepare';
import { CommandError } from './errors';

/** An order id as Framework360 gives it: digits only. */
export const ORDER_ID_PATTERN = /^\d{1,15}$/;

/** One spelling per order: "010452" and 10452 are the same order (Framework360 reads both as 10452). */
export function canonicalOrderId(id: unknown): string {
  const text = String(id).trim();
  return ORDER_ID_PATTERN.test(text) ? String(BigInt(text)) : text;
}

/** What to export: order ids (fetched with orders/get) or orders given whole. */
export type ExportInputs = { ids: unknown[] } | { orders: unknown[] };

export interface ExportOptions {
  /**
   * How long the command may take before it answers, counted from its start (fetching included):
   * what is not settled by then is reported `queued`. 0 = do not wait for the sends.
   */
  waitMs: number;
  dryRun: boolean;
  /**
   * Off: an order already linked (`done`) is reported `already_linked` without being fetched
   * or looked at again. On: it goes through intake like any other; TotalGest has no update, so
   * a changed one goes to `needs_review` and an unchanged one stays linked.
   */
  force: boolean;
}

export type ExportResult =
  | { kind: 'report'; report: ExportReport; documents: OrderDocument[] }
  | { kind: 'refused'; statusCode: number; message: string };

/** The export command as another node (tg-status) runs it through the connection. */
export type OrderExportCommand = (inputs: ExportInputs, opts: ExportOptions) => Promise<ExportResult>;

export interface OrderExportDeps {
  exporter: () => OrderExporter;
  /** The node's rules; throws a CommandError when its Framework360 connection is unusable. */
  rules: (ex: OrderExporter) => IntakeRules;
  /** The node's JSONata override, if any. */
  override?: (order: unknown) => Promise<unknown>;
  /** orders/get of the node's Framework360 connection; undefined when it has none. */
  fetchOrder?: (id: string) => Promise<unknown>;
}

interface Fetched {
  id?: string;
  order?: unknown;
  error?: string;
  fetchedAt?: number;
  linked?: boolean;
}

const WAITED_OUTCOMES = new Set(['queued', 'already_queued', 'deferred', 'withdrawn']);

/**
 * The intake and manual export of one push node's settings (override, eligibility rule,
 * prefix, currency): the node's inputs, its reconcile sweeps and the status API's export
 * action all come through here, so they judge an order the same way.
 */
export class OrderExportCommands {
  /** Orders a command is waiting for: their failures are in its report, not raised again to Catch nodes. */
  private readonly awaited = new Map<string, number>();

  constructor(private readonly deps: OrderExportDeps) {}

  isAwaited(orderId: string): boolean {
    return this.awaited.has(orderId);
  }

  private async reshape(order: unknown): Promise<unknown> {
    if (!this.deps.override) return order;
    try {
      return await this.deps.override(order);
    } catch (err) {
      throw new CommandError(`input ${err instanceof Error ? err.message : String(err)}`, 422);
    }
  }

  /** The one intake of every path: override, rules and dry run, then the lifecycle. */
  async intake(raw: unknown, ctx: Omit<SubmitContext, 'rules'> & { dryRun: boolean }): Promise<SubmitResult> {
    const ex = this.deps.exporter();
    return ex.submit(await this.reshape(raw), { rules: this.deps.rules(ex), ...ctx });
  }

  private async fetch(ids: unknown[], skipLinked: boolean): Promise<Fetched[]> {
    const fetchOrder = this.deps.fetchOrder;
    if (!fetchOrder) throw new CommandError('orderIds need a Framework360 connection: select one in the node', 400);
    const ex = skipLinked ? this.deps.exporter() : undefined;
    return Promise.all(
      ids.map(async (id): Promise<Fetched> => {
        const text = String(id);
        if (!ORDER_ID_PATTERN.test(text)) return { id: text, error: `orderIds: "${text}" is not an order id` };
        if (ex?.store.get(text)?.state === 'done') return { id: text, linked: true };
        const fetchedAt = Date.now();
        try {
          return { id: text, order: await fetchOrder(text), fetchedAt };
        } catch (err) {
          return { id: text, error: `orders/get: ${err instanceof Error ? err.message : String(err)}` };
        }
      }),
    );
  }

  /**
   * Orders by id or whole → intake → (bounded) wait → the report. Refusals of the whole
   * command (no Framework360 connection, a failing override, an unusable prefix) are a
   * `refused` result; anything else thrown (the state database) propagates.
   */
  async exportOrders(inputs: ExportInputs, opts: ExportOptions): Promise<ExportResult> {
    const deadline = Date.now() + opts.waitMs;
    try {
      const ex = this.deps.exporter();
      const ids = 'ids' in inputs ? [...new Set(inputs.ids.map(canonicalOrderId))] : [];
      const results: Array<SubmitResult | undefined> = [];
      // Fetching and intake go on in the background when they outlast the wait: the answer keeps its bound.
      const work = (async () => {
        const fetched: Fetched[] =
          'ids' in inputs ? await this.fetch(ids, !opts.force) : inputs.orders.map((order) => ({ order }));
        for (const [i, input] of fetched.entries()) {
          if (input.linked) results[i] = { orderId: input.id, externalRef: undefined, outcome: 'already_linked' };
          else if (input.error !== undefined)
            results[i] = {
              orderId: input.id,
              externalRef: undefined,
              outcome: 'invalid',
              reason: 'fetch_failed',
              message: input.error,
            };
          else results[i] = await this.intakeOne(ex, input, opts);
        }
      })();
      if (opts.waitMs > 0 && 'ids' in inputs) {
        let timer: NodeJS.Timeout | undefined;
        const late = await Promise.race([
          work.then(() => false),
          new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(true), Math.max(0, deadline - Date.now()));
          }),
        ]);
        clearTimeout(timer);
        if (late) {
          work.catch(() => undefined); // a store failure meanwhile is raised by the worker's own error path
          const soFar = ids.map(
            (id, i): SubmitResult =>
              results[i] ?? {
                orderId: id,
                externalRef: undefined,
                outcome: 'queued',
                message: 'still being fetched from Framework360',
              },
          );
          return await this.report(ex, soFar, { ...opts, waitMs: 0 });
        }
      } else await work;
      return await this.report(
        ex,
        results.filter((r): r is SubmitResult => r !== undefined),
        opts,
        deadline,
      );
    } catch (err) {
      if (err instanceof CommandError) return { kind: 'refused', statusCode: err.statusCode, message: err.message };
      throw err;
    }
  }

  /**
   * One order of an export: an override that fails on it fails this order, not the others already
   * stored; with `force`, an order that failed (or died) with the same document is sent again.
   */
  private async intakeOne(ex: OrderExporter, input: Fetched, opts: ExportOptions): Promise<SubmitResult> {
    let result: SubmitResult;
    try {
      result = await this.intake(input.order, { dryRun: opts.dryRun, fetchedAt: input.fetchedAt });
    } catch (err) {
      if (!(err instanceof CommandError) || err.statusCode !== 422) throw err;
      return {
        orderId: input.id,
        externalRef: undefined,
        outcome: 'invalid',
        reason: 'override_failed',
        message: err.message,
      };
    }
    if (
      opts.force &&
      !opts.dryRun &&
      result.outcome === 'already_failed' &&
      result.orderId &&
      ex.retry([result.orderId]).length
    )
      return { ...result, outcome: 'queued', reason: undefined, message: undefined };
    return result;
  }

  /** Waits (up to `waitMs`) for what was queued, then reports every order where it stands. */
  async report(
    ex: OrderExporter,
    results: SubmitResult[],
    opts: Pick<ExportOptions, 'waitMs' | 'dryRun'>,
    deadline = Date.now() + opts.waitMs,
  ): Promise<ExportResult> {
    const waited = opts.waitMs > 0;
    const waitIds =
      waited && !opts.dryRun ? results.filter((r) => WAITED_OUTCOMES.has(r.outcome)).map((r) => r.orderId!) : [];
    for (const id of waitIds) this.awaited.set(id, (this.awaited.get(id) ?? 0) + 1);
    let rows: Map<string, OrderRow | undefined>;
    try {
      rows = waitIds.length ? await ex.waitFor(waitIds, Math.max(0, deadline - Date.now())) : new Map();
    } finally {
      for (const id of waitIds) {
        const n = (this.awaited.get(id) ?? 1) - 1;
        if (n > 0) this.awaited.set(id, n);
        else this.awaited.delete(id);
      }
    }
    const items = results.map((r) =>
      reportItem(r, rows.get(r.orderId ?? '') ?? (r.orderId ? ex.store.get(r.orderId) : undefined), waited),
    );
    return {
      kind: 'report',
      report: buildReport(items),
      documents: results.flatMap((r) => (r.document ? [r.document] : [])),
    };
  }
}
