import type { Statement } from 'better-sqlite3';
import { getMeta, rowsByKey, runTransaction, setMeta, type StateDatabase } from './state-db';

export type ProductState = 'linked' | 'failed' | 'deactivated';

export interface ProductRow {
  sku: string;
  totalgest_id: string | null;
  fw360_id: string | null;
  hash: string | null;
  state: ProductState;
  error: string | null;
  synced_at: number | null;
  updated_at: number;
}

export interface ProductRecord {
  sku: string;
  totalgestId: string;
  fw360Id: string | null;
  hash: string;
  state: Exclude<ProductState, 'failed'>;
}

/** Where an interrupted run stops and the next one picks up. */
export interface SyncResume {
  after: string | null;
  updatedSince: string | null;
  startServerTime: string;
  full: boolean;
}

const CURSOR = 'products.cursor';
const RESUME = 'products.resume';
const LAST_RUN = 'products.lastRun';
const LAST_SUCCESS = 'products.lastSuccessAt';

/** Product links (SKU ↔ Framework360 id ↔ TotalGest id), their hashes, and the sync cursor. */
export class ProductStore {
  private readonly stmts;
  private readonly knownStmts = new Map<number, Statement<string[], { sku: string; hash: string | null; state: ProductState }>>();

  constructor(private readonly db: StateDatabase) {
    this.stmts = {
      get: db.prepare<[string], ProductRow>('SELECT * FROM products WHERE sku = ?'),
      upsert: db.prepare<[string, string, string | null, string, string, number, number]>(
        `INSERT INTO products (sku, totalgest_id, fw360_id, hash, state, error, synced_at, updated_at)
         VALUES (?, ?, ?, ?, ?, NULL, ?, ?)
         ON CONFLICT(sku) DO UPDATE SET totalgest_id = excluded.totalgest_id, fw360_id = COALESCE(excluded.fw360_id, products.fw360_id),
           hash = excluded.hash, state = excluded.state, error = NULL, synced_at = excluded.synced_at, updated_at = excluded.updated_at`,
      ),
      fail: db.prepare(
        `INSERT INTO products (sku, totalgest_id, state, error, updated_at) VALUES (@sku, @totalgestId, 'failed', @error, @now)
         ON CONFLICT(sku) DO UPDATE SET state = 'failed', error = excluded.error, hash = NULL, updated_at = excluded.updated_at`,
      ),
      counts: db.prepare<[], { state: ProductState; n: number }>('SELECT state, COUNT(*) AS n FROM products GROUP BY state'),
    };
  }

  get(sku: string): ProductRow | undefined {
    return this.stmts.get.get(sku);
  }

  /** Stored hash and state of each given SKU (one query for a page). */
  known(skus: string[]): Map<string, { hash: string | null; state: ProductState }> {
    const out = new Map<string, { hash: string | null; state: ProductState }>();
    for (let i = 0; i < skus.length; i += 500) {
      const chunk = skus.slice(i, i + 500);
      let stmt = this.knownStmts.get(chunk.length);
      if (!stmt) {
        stmt = this.db.prepare<string[], { sku: string; hash: string | null; state: ProductState }>(
          `SELECT sku, hash, state FROM products WHERE sku IN (${chunk.map(() => '?').join(',')})`,
        );
        this.knownStmts.set(chunk.length, stmt);
      }
      for (const r of stmt.all(...chunk)) out.set(r.sku, { hash: r.hash, state: r.state });
    }
    return out;
  }

  /**
   * A page's results and where to resume, in one transaction that is not synced to disk at
   * once: losing it in a power cut only means the page is read and written again.
   */
  recordPage(done: ProductRecord[], failed: Array<{ sku: string; totalgestId: string; error: string }>, resume: SyncResume | undefined, now: number): void {
    runTransaction(
      this.db,
      () => {
        for (const d of done) this.stmts.upsert.run(d.sku, d.totalgestId, d.fw360Id, d.hash, d.state, now, now);
        for (const f of failed) this.stmts.fail.run({ ...f, now });
        this.setResume(resume);
      },
      { durable: false },
    );
  }

  cursor(): string | undefined {
    return getMeta(this.db, CURSOR);
  }

  setCursor(iso: string): void {
    setMeta(this.db, CURSOR, iso);
  }

  resume(): SyncResume | undefined {
    const text = getMeta(this.db, RESUME);
    return text ? (JSON.parse(text) as SyncResume) : undefined;
  }

  setResume(r: SyncResume | undefined): void {
    if (r) setMeta(this.db, RESUME, JSON.stringify(r));
    else this.db.prepare('DELETE FROM meta WHERE key = ?').run(RESUME);
  }

  setLastRun(summary: unknown): void {
    setMeta(this.db, LAST_RUN, JSON.stringify(summary));
  }

  lastSuccessAt(): string | undefined {
    return getMeta(this.db, LAST_SUCCESS);
  }

  setLastSuccessAt(iso: string): void {
    setMeta(this.db, LAST_SUCCESS, iso);
  }

  getMany(skus: string[]): Map<string, ProductRow> {
    return rowsByKey(this.stmts.get, skus);
  }

  /** A page of products in SKU order, optionally by state and SKU prefix: an index range, never the whole table. */
  list(q: { states?: ProductState[]; search?: string; offset: number; limit: number }): { rows: ProductRow[]; total: number } {
    const where: string[] = [];
    const args: Array<string | number> = [];
    if (q.states?.length) {
      where.push(`state IN (${q.states.map(() => '?').join(',')})`);
      args.push(...q.states);
    }
    if (q.search) {
      // A prefix range on the primary key: uses the index.
      where.push('sku >= ? AND sku < ?');
      args.push(q.search, `${q.search}\u{10FFFF}`);
    }
    const sqlWhere = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM products ${sqlWhere}`).get(...args) as { n: number }).n;
    const rows = this.db.prepare(`SELECT * FROM products ${sqlWhere} ORDER BY sku LIMIT ? OFFSET ?`).all(...args, q.limit, q.offset) as ProductRow[];
    return { rows, total };
  }

  lastError(): { sku: string; error: string; at: number } | undefined {
    const row = this.db.prepare(`SELECT sku, error, updated_at FROM products WHERE state = 'failed' ORDER BY updated_at DESC LIMIT 1`).get() as
      { sku: string; error: string; updated_at: number } | undefined;
    return row && { sku: row.sku, error: row.error, at: row.updated_at };
  }

  counts(): Record<ProductState, number> {
    const out: Record<ProductState, number> = { linked: 0, failed: 0, deactivated: 0 };
    for (const r of this.stmts.counts.all()) out[r.state] = r.n;
    return out;
  }
}
