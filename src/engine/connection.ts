import { EventEmitter } from 'node:events';
import { TotalGestClient, type TotalGestClientOptions } from '../totalgest/client';
import { openStateDatabase, type StateDatabase } from '../store/state-db';
import { StatusReader } from './status';
import { ReconcileCommand, type ReconcileRequest, type ReconcileResult } from './reconciler';
import { OrderStore } from '../store/order-store';
import { ProductStore } from '../store/product-store';
import { ReconcileStore } from '../store/reconcile-store';
import { OrderExporter, type ExporterOptions } from './order-exporter';
import type { OrderExportCommand } from './order-export';

/** How long a connection whose state database could not be opened waits before it tries again. */
const START_RETRY_MS = 30_000;

/**
 * One TotalGest connection: the shared API client (one token, one rate limit), the state
 * database, and the one owner of the work done on them: the outbox worker (from start() to
 * stop()), the reconcile sweeps and the product sync runs (tracked, aborted on stop).
 * Emits `changed` whenever recorded state moves, so status displays refresh on change.
 */
export class TotalGestConnection extends EventEmitter {
  private clientInstance: TotalGestClient | undefined;
  private dbInstance: StateDatabase | undefined;
  private exporterInstance: OrderExporter | undefined;
  private productStoreInstance: ProductStore | undefined;
  private orderStoreInstance: OrderStore | undefined;
  private reconcileStoreInstance: ReconcileStore | undefined;
  private statusInstance: StatusReader | undefined;
  private started = false;
  /** Why the worker could not start (the state database would not open); tried again on a timer. */
  private startError: unknown;
  private startRetry: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly closing = new AbortController();
  private readonly tracked = new Set<Promise<unknown>>();
  /** One reconcile command per requester (push node): its sweeps are single-flight per kind. */
  private readonly reconciles = new WeakMap<object, ReconcileCommand>();

  constructor(
    readonly options: TotalGestClientOptions,
    private readonly dbFile: string,
    private readonly exporterOptions: ExporterOptions = {},
  ) {
    super();
    this.setMaxListeners(100);
  }

  /**
   * Starts the outbox worker: queued orders are sent whether or not a push node is deployed
   * (a flow with only tg-status, or an order left pending by the last run). Idempotent. When
   * the state database cannot be opened, the error is kept (the exporter getter throws it) and
   * the start is tried again until it works or the connection stops.
   */
  start(): void {
    if (this.closed) throw new Error('connection is closed');
    if (this.started) return;
    this.started = true;
    this.tryStart();
  }

  private tryStart(): void {
    this.startRetry = undefined;
    if (this.closed || this.exporterInstance) return;
    try {
      const exporter = new OrderExporter(this.client, this.orders, () => this.notifyChanged('orders'), {
        concurrency: this.options.concurrency ?? 4,
        // The per-database registry of orders in flight: a second connection on the same file (a
        // redeployed config node whose old worker still finishes a send) never claims them twice.
        dbKey: this.dbFile,
        ...this.exporterOptions,
      });
      exporter.on('worker_error', (err: unknown) => this.emit('worker_error', err));
      exporter.on('transition', (t: unknown) => this.emit('order_transition', t));
      exporter.start();
      this.exporterInstance = exporter;
      this.startError = undefined;
      this.notifyChanged('orders');
    } catch (err) {
      this.startError = err;
      this.emit('start_error', err);
      this.startRetry = setTimeout(() => this.tryStart(), START_RETRY_MS);
      this.startRetry.unref?.();
    }
  }

  /** Why start() has not got the worker going yet; undefined once it runs. */
  get startFailure(): unknown {
    return this.startError;
  }

  get client(): TotalGestClient {
    if (this.closed) throw new Error('connection is closed');
    this.clientInstance ??= new TotalGestClient(this.options);
    return this.clientInstance;
  }

  get db(): StateDatabase {
    if (this.closed) throw new Error('connection is closed');
    this.dbInstance ??= openStateDatabase(this.dbFile);
    return this.dbInstance;
  }

  /** The one outbox worker of this connection, running from start() to stop(); never started here. */
  get exporter(): OrderExporter {
    if (this.closed) throw new Error('connection is closed');
    if (this.exporterInstance) return this.exporterInstance;
    if (this.startError !== undefined) throw this.startError;
    throw new Error('the connection is not started');
  }

  get orders(): OrderStore {
    this.orderStoreInstance ??= new OrderStore(this.db);
    return this.orderStoreInstance;
  }

  /** What tg-status and the status API read. */
  get status(): StatusReader {
    this.statusInstance ??= new StatusReader(this.orders, this.products, this.reconcileRuns);
    return this.statusInstance;
  }

  /** What the reconciler records between sweeps. */
  get reconcileRuns(): ReconcileStore {
    this.reconcileStoreInstance ??= new ReconcileStore(this.db);
    return this.reconcileStoreInstance;
  }

  /**
   * A reconcile sweep for `requester` (a push node: its Framework360 connection, intake and
   * settings): single-flight per requester and kind, tracked, stopped with the connection.
   */
  reconcile(requester: object, req: ReconcileRequest): Promise<ReconcileResult> {
    let command = this.reconciles.get(requester);
    if (!command) {
      command = new ReconcileCommand({
        orders: () => this.orders,
        runs: () => this.reconcileRuns,
        run: (work) => this.run(work),
        changed: () => this.notifyChanged('reconcile'),
      });
      this.reconciles.set(requester, command);
    }
    return command.reconcile(req);
  }

  /**
   * The requester (a push node) closes while the connection stays (it alone was redeployed): its
   * sweeps stop, so a closed node's settings and intake are not used any longer.
   */
  endReconciles(requester: object): void {
    this.reconciles.get(requester)?.end();
    this.reconciles.delete(requester);
  }

  /**
   * Runs a long job on this connection (a product sync, a sweep): its signal aborts when the
   * connection stops (or when `signal` does), and stop() waits for it before closing the database.
   */
  run<T>(work: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.closed) return Promise.reject(new Error('connection is closed'));
    const combined = signal ? AbortSignal.any([signal, this.closing.signal]) : this.closing.signal;
    let running: Promise<T>;
    try {
      running = work(combined);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return this.track(running);
  }

  /**
   * Where each pull node on this connection sends products (a shop's URL, or the flow). The
   * products table keeps one shop's links and hashes, so all pull nodes of a connection must send
   * to the same place: the one sending where the kept state was written decides while it lives
   * (else the first registered); the others are refused.
   */
  private readonly productTargets = new Map<object, string>();

  /** Emits 'productTargets': a refusal may have begun or ended for the other pull nodes. */
  setProductTarget(node: object, target: string): void {
    this.productTargets.set(node, target);
    this.emit('productTargets');
  }

  removeProductTarget(node: object): void {
    if (this.productTargets.delete(node)) this.emit('productTargets');
  }

  /**
   * The target that holds this connection's products when it is not `node`'s, else undefined: the
   * shop the kept state was written to while a live node sends there (a redeploy re-registers an
   * edited node last; creation order must not hand the state to another shop), else the first.
   */
  productTargetConflict(node: object): string | undefined {
    const mine = this.productTargets.get(node);
    if (mine === undefined || this.closed) return undefined;
    const live = [...this.productTargets.values()];
    let kept: string | undefined;
    try {
      kept = this.products.target();
    } catch {
      // The state database does not open: the run reports that; the first registered decides meanwhile.
    }
    const owner = kept !== undefined && live.includes(kept) ? kept : live[0];
    return owner !== undefined && owner !== mine ? owner : undefined;
  }

  get products(): ProductStore {
    this.productStoreInstance ??= new ProductStore(this.db);
    return this.productStoreInstance;
  }

  /** Aborted when the connection stops: long runs (product sync, sweeps) stop at their next safe point. */
  get closingSignal(): AbortSignal {
    return this.closing.signal;
  }

  /** Work that uses the database: stop() waits for it before closing the database. */
  track<T>(work: Promise<T>): Promise<T> {
    this.tracked.add(work);
    const untrack = (): void => {
      this.tracked.delete(work);
    };
    work.then(untrack, untrack);
    return work;
  }

  /**
   * The nodes that raise background order failures to Catch nodes: the first one of the lowest
   * rank does (push nodes before status nodes), so each transition reaches the flow once. Each may
   * name the orders a message of its is waiting for: that message's report tells of them instead.
   */
  private readonly reporters: Array<{ node: object; rank: number; awaits?: (orderId: string) => boolean }> = [];

  addReporter(node: object, rank = 0, awaits?: (orderId: string) => boolean): void {
    this.removeReporter(node);
    const at = this.reporters.findIndex((r) => r.rank > rank);
    this.reporters.splice(at < 0 ? this.reporters.length : at, 0, { node, rank, awaits });
  }

  removeReporter(node: object): void {
    const i = this.reporters.findIndex((r) => r.node === node);
    if (i >= 0) this.reporters.splice(i, 1);
  }

  isReporter(node: object): boolean {
    return this.reporters[0]?.node === node;
  }

  /** Whether a message of any registered node is waiting for this order (the reporter then stays silent). */
  isAwaited(orderId: string): boolean {
    return this.reporters.some((r) => r.awaits?.(orderId) === true);
  }

  /**
   * The export command of the push nodes on this connection, for the status API's export
   * action: the first one registered runs it (its override and rules), the next takes over
   * when it closes.
   */
  private readonly orderExports: Array<{ owner: object; run: OrderExportCommand }> = [];

  setOrderExport(owner: object, run: OrderExportCommand): void {
    this.removeOrderExport(owner);
    this.orderExports.push({ owner, run });
  }

  removeOrderExport(owner: object): void {
    const i = this.orderExports.findIndex((e) => e.owner === owner);
    if (i >= 0) this.orderExports.splice(i, 1);
  }

  /** Undefined when no push node uses this connection. */
  get orderExport(): OrderExportCommand | undefined {
    return this.orderExports[0]?.run;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  notifyChanged(what: 'orders' | 'products' | 'reconcile'): void {
    this.emit('changed', what);
  }

  /**
   * Stops the worker (waiting for sends in flight) and aborts the runs, waits for them, then
   * releases the client and the database. Final: a redeployed config node makes a new connection.
   */
  async stop(): Promise<void> {
    this.closed = true;
    clearTimeout(this.startRetry);
    this.closing.abort();
    await Promise.allSettled([this.exporterInstance?.stop(), ...this.tracked]);
    this.exporterInstance = undefined;
    this.productStoreInstance = undefined;
    this.orderStoreInstance = undefined;
    this.reconcileStoreInstance = undefined;
    this.statusInstance = undefined;
    this.clientInstance?.close();
    this.dbInstance?.close();
    this.clientInstance = undefined;
    this.dbInstance = undefined;
    this.removeAllListeners();
  }
}
