import { EventEmitter } from 'node:events';
import { TotalGestClient, type TotalGestClientOptions } from '../totalgest/client';
import { getMeta, openStateDatabase, type StateDatabase } from '../store/state-db';
import { StatusReader } from './status';
import { LAST_RECONCILIATION } from './reconciler';
import { OrderStore } from '../store/order-store';
import { ProductStore } from '../store/product-store';
import { OrderExporter, type ExporterOptions } from './order-exporter';
import type { OrderExportCommand } from './order-export';

/**
 * One TotalGest connection: the shared API client (one token, one rate limit) and the
 * state database. Opened lazily, so a config node that nothing uses costs nothing.
 * Emits `changed` whenever recorded state moves, so status displays refresh on change.
 */
export class TotalGestConnection extends EventEmitter {
  private clientInstance: TotalGestClient | undefined;
  private dbInstance: StateDatabase | undefined;
  private exporterInstance: OrderExporter | undefined;
  private productStoreInstance: ProductStore | undefined;
  private orderStoreInstance: OrderStore | undefined;
  private statusInstance: StatusReader | undefined;
  private closed = false;
  private readonly closing = new AbortController();
  private readonly tracked = new Set<Promise<unknown>>();

  constructor(
    readonly options: TotalGestClientOptions,
    private readonly dbFile: string,
    private readonly exporterOptions: ExporterOptions = {},
  ) {
    super();
    this.setMaxListeners(100);
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

  /** The one outbox worker of this connection, started on first use. */
  get exporter(): OrderExporter {
    if (!this.exporterInstance) {
      const exporter = new OrderExporter(this.client, this.orders, () => this.notifyChanged('orders'), {
        concurrency: this.options.concurrency ?? 4,
        dbKey: this.dbFile,
        ...this.exporterOptions,
      });
      exporter.on('worker_error', (err: unknown) => this.emit('worker_error', err));
      exporter.on('transition', (t: unknown) => this.emit('order_transition', t));
      exporter.start();
      this.exporterInstance = exporter;
    }
    return this.exporterInstance;
  }

  get orders(): OrderStore {
    this.orderStoreInstance ??= new OrderStore(this.db);
    return this.orderStoreInstance;
  }

  /** What tg-status and the status API read. */
  get status(): StatusReader {
    this.statusInstance ??= new StatusReader(this.orders, this.products, () => {
      const text = getMeta(this.db, LAST_RECONCILIATION);
      return text ? (JSON.parse(text) as unknown) : null;
    });
    return this.statusInstance;
  }

  get products(): ProductStore {
    this.productStoreInstance ??= new ProductStore(this.db);
    return this.productStoreInstance;
  }

  /** Aborted when the connection closes: long runs stop at their next safe point. */
  get closingSignal(): AbortSignal {
    return this.closing.signal;
  }

  /** Work that uses the database: close() waits for it before closing the database. */
  track<T>(work: Promise<T>): Promise<T> {
    this.tracked.add(work);
    const untrack = (): void => {
      this.tracked.delete(work);
    };
    work.then(untrack, untrack);
    return work;
  }

  /**
   * The nodes that raise background order failures to Catch nodes: the first one registered
   * does, so each transition reaches the flow once, not once per node.
   */
  private readonly reporters: object[] = [];

  addReporter(node: object): void {
    this.reporters.push(node);
  }

  removeReporter(node: object): void {
    const i = this.reporters.indexOf(node);
    if (i >= 0) this.reporters.splice(i, 1);
  }

  isReporter(node: object): boolean {
    return this.reporters[0] === node;
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

  /** Stops the worker (waiting for sends in flight), then releases the client and the database. */
  async close(): Promise<void> {
    this.closed = true;
    this.closing.abort();
    await Promise.allSettled([this.exporterInstance?.stop(), ...this.tracked]);
    this.exporterInstance = undefined;
    this.productStoreInstance = undefined;
    this.orderStoreInstance = undefined;
    this.statusInstance = undefined;
    this.clientInstance?.close();
    this.dbInstance?.close();
    this.clientInstance = undefined;
    this.dbInstance = undefined;
    this.removeAllListeners();
  }
}
