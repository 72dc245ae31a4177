import { getMeta, setMeta, type StateDatabase } from './state-db';

/** The meta row that holds the last finished reconciliation (the key predates this store: existing databases keep it). */
export const LAST_RECONCILIATION = 'orders.lastReconciliation';

/**
 * What the reconciler records between sweeps: the summary of the last finished one (not of a
 * dry run, nor of one that stopped half-way), for the status API and page. The summary's shape
 * belongs to the engine; the store keeps it as JSON.
 */
export class ReconcileStore {
  constructor(private readonly db: StateDatabase) {}

  /** The last finished sweep's summary, or null before the first one. */
  last(): unknown {
    const text = getMeta(this.db, LAST_RECONCILIATION);
    return text ? (JSON.parse(text) as unknown) : null;
  }

  record(summary: object): void {
    setMeta(this.db, LAST_RECONCILIATION, JSON.stringify(summary));
  }
}
