import { EventEmitter } from 'node:events';
import { TotalGestClient, type TotalGestClientOptions } from '../totalgest/client';
import { openStateDatabase, type StateDatabase } from '../store/state-db';

/**
 * One TotalGest connection: the shared API client (one token, one rate limit) and the
 * state database. Opened lazily, so a config node that nothing uses costs nothing.
 * Emits `changed` whenever recorded state moves, so status displays refresh on change.
 */
export class TotalGestConnection extends EventEmitter {
  private clientInstance: TotalGestClient | undefined;
  private dbInstance: StateDatabase | undefined;
  private closed = false;

  constructor(
    readonly options: TotalGestClientOptions,
    private readonly dbFile: string,
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

  get isClosed(): boolean {
    return this.closed;
  }

  notifyChanged(what: 'orders' | 'products' | 'reconcile'): void {
    this.emit('changed', what);
  }

  close(): void {
    this.closed = true;
    this.clientInstance?.close();
    this.dbInstance?.close();
    this.clientInstance = undefined;
    this.dbInstance = undefined;
    this.removeAllListeners();
  }
}
