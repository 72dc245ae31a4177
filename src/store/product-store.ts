import type { Statement } from 'better-sqlite3';
import { z } from 'zod';
import { productFromStored, VALUES_ACTIVE_INDEX } from '../core/product-mapping';
import { getMeta, rowsByKey, runTransaction, setMeta, type StateDatabase, inFilter } from './state-db';

/** linked/deactivated: the shop holds it; emitted: handed to the flow, not confirmed; failed: in the retry set. */
export type ProductState = 'linked' | 'failed' | 'deactivated' | 'emitted';

export interface ProductRow {
  sku: string;
  totalgest_id: string | null;
  fw360_id: string | null;
  hash: string | null;
  state: ProductState;
  error: string | null;
  synced_at: number | null;
  updated_at: number;
  /** The product as last written or emitted: productValues' JSON (older rows: the object's JSON). */
  body: string | null;
  /** The mapped product still to be written (JSON), for failed rows. */
  pending: string | null;
  seen: string | null;
}

export interface ProductRecord {
  sku: string;
  totalgestId: string;
  fw360Id: string | null;
  hash: string;
  state: Exclude<ProductState, 'failed'>;
  /** The product as written (productValues' JSON). */
  body: string;
}

export interface FailedRecord {
  sku: string;
  totalgestId: string | null;
  error: string;
  /** The mapped product to try again (JSON); null when TotalGest served no valid article. */
  pending: string | null;
}

export interface PageRecord {
  done: ProductRecord[];
  failed: FailedRecord[];
  /** A full run's mark (its start, ISO) on every SKU TotalGest served (mark and sweep). */
  seen?: { mark: string; skus: string[]; ids?: string[] };
  /** Rows from before bodies were kept: unchanged products whose body is stored now. */
  bodies?: Array<{ sku: string; body: string }>;
  /** Failure records the page superseded (an article's product now kept under another SKU); never a row the shop got. */
  forget?: string[];
}

const failureSchema = z.object({ sku: z.string().optional(), id: z.string().optional(), reason: z.string() });

/** Where an interrupted run stops and the next one picks up. */
const resumeSchema = z.object({
  after: z.string().nullable(),
  updatedSince: z.string().nullable(),
  startServerTime: z.string(),
  full: z.boolean(),
  /** A full run's mark (mark and sweep). */
  mark: z.string().optional(),
  /** The mapping (version and override) the run wrote with: another one starts the run over. */
  mapping: z.string().optional(),
  /** 'sweep': the feed is read; deactivation continues after `sweepAfter`. */
  phase: z.enum(['feed', 'sweep']).optional(),
  sweepAfter: z.string().optional(),
  /** When the run began (ms): failures since then belong to it. */
  startedAt: z.number().optional(),
  /** Failures so far, so a run resumed after a restart still reports them. */
  failed: z.number().int().nonnegative().optional(),
  failures: z.array(failureSchema).optional(),
});
export type SyncResume = z.infer<typeof resumeSchema>;

type UpsertArgs = [string, string, string | null, string, string, number, number, string, string | null];
const UPSERT_ARGS = 9;
const UPSERT_ROWS = 50;

/** Insert or update of `rows` products; rows are applied in order, so a SKU twice in one call ends as the later one. */
function upsertSql(rows: number): string {
  return `INSERT INTO products (sku, totalgest_id, fw360_id, hash, state, error, synced_at, updated_at, body, pending, seen)
    VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, NULL, ?, ?, ?, NULL, ?)').join(', ')}
    ON CONFLICT(sku) DO UPDATE SET totalgest_id = excluded.totalgest_id, fw360_id = COALESCE(excluded.fw360_id, products.fw360_id),
      hash = excluded.hash, state = excluded.state, error = NULL, synced_at = excluded.synced_at, updated_at = excluded.updated_at,
      body = excluded.body, pending = NULL, seen = COALESCE(MAX(products.seen, excluded.seen), products.seen, excluded.seen)`;
}

const CURSOR = 'products.cursor';
const RESUME = 'products.resume';
const LAST_SUCCESS = 'products.lastSuccessAt';
const WRITE_PAUSE = 'products.writePausedUntil';
const LATEST_MARK = 'products.latestMark';
const TARGET = 'products.target';
/** What belongs to the shop the products go to, kept aside with its rows when another shop takes over. */
const TARGET_META = [CURSOR, RESUME, LAST_SUCCESS, WRITE_PAUSE, LATEST_MARK];
const keptMetaKey = (target: string): string => `products.kept:${target}`;
/** A confirmed emitted row (parameters: fw360 id, synced at, updated at): linked, or deactivated when it was an inactive product. */
const CONFIRMED = `state = CASE WHEN COALESCE(json_extract(body, '$.active'), json_extract(body, '$[${VALUES_ACTIVE_INDEX}]'))
    THEN 'linked' ELSE 'deactivated' END,
  fw360_id = COALESCE(?, fw360_id), synced_at = ?, updated_at = ?, error = NULL`;
const ROW_COLS = 'sku, totalgest_id, fw360_id, hash, state, error, synced_at, updated_at, body, pending, seen';

function safeRecord(text: string | undefined): Record<string, unknown> {
  try {
    const v: unknown = text === undefined ? undefined : JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

type KnownRow = {
  sku: string;
  hash: string | null;
  state: ProductState;
  has_body: number;
  totalgest_id: string | null;
};
export type Known = { hash: string | null; state: ProductState; hasBody: boolean; totalgestId?: string | null };

/** What a flow quotes back to confirm one emitted version (msg.versions): a prefix of the row's hash. */
export function versionOf(hash: string): string {
  return hash.slice(0, 16);
}

export interface ConfirmItem {
  sku: string;
  fw360Id: string | null;
  error: string | null;
  /** The emitted version confirmed; a confirmation of an older version is ignored (`stale`). */
  version?: string | null;
}

export interface ConfirmResult {
  confirmed: number;
  failed: number;
  notEmitted: string[];
  /** Confirmations of a version older than the one emitted last: ignored. */
  stale: string[];
}

/** Product links (SKU ↔ Framework360 id ↔ TotalGest id), their hashes, and the sync cursor. */
export class ProductStore {
  private readonly stmts;
  private readonly knownStmts = new Map<number, Statement<string[], KnownRow>>();

  constructor(private readonly db: StateDatabase) {
    this.stmts = {
      get: db.prepare<[string], ProductRow>('SELECT * FROM products WHERE sku = ?'),
      upsert: db.prepare<UpsertArgs>(upsertSql(1)),
      // The same for UPSERT_ROWS rows at once: a page's rows cost a few calls, not one each.
      upsertMany: db.prepare<[UpsertArgs[number][]]>(upsertSql(UPSERT_ROWS)),
      // The last written body stays (a sweep still needs it); the hash goes, so the next sight rewrites.
      fail: db.prepare<{ sku: string; totalgestId: string | null; error: string; pending: string | null; now: number }>(
        `INSERT INTO products (sku, totalgest_id, state, error, updated_at, pending) VALUES (@sku, @totalgestId, 'failed', @error, @now, @pending)
         ON CONFLICT(sku) DO UPDATE SET state = 'failed', error = excluded.error, hash = NULL, updated_at = excluded.updated_at,
           totalgest_id = COALESCE(excluded.totalgest_id, products.totalgest_id), pending = excluded.pending`,
      ),
      // Marks only grow: a full run that started earlier never takes back a later run's mark.
      seen: db.prepare<[string, string, string]>(
        'UPDATE products SET seen = ? WHERE sku = ? AND (seen IS NULL OR seen < ?)',
      ),
      body: db.prepare<[string, string]>('UPDATE products SET body = ? WHERE sku = ? AND body IS NULL'),
      remove: db.prepare<[string]>('DELETE FROM products WHERE sku = ?'),
      forget: db.prepare<[string]>(
        "DELETE FROM products WHERE sku = ? AND state = 'failed' AND body IS NULL AND fw360_id IS NULL",
      ),
      retry: db.prepare<[number, number, string, number], ProductRow>(
        `SELECT * FROM products WHERE state = 'failed' AND pending IS NOT NULL AND (updated_at <= ? OR updated_at > ?) AND sku > ? ORDER BY sku LIMIT ?`,
      ),
      sweep: db.prepare<[string, string, number], ProductRow>(
        `SELECT * FROM products WHERE sku > ? AND state != 'deactivated' AND (seen IS NULL OR seen < ?) ORDER BY sku LIMIT ?`,
      ),
      confirm: db.prepare<[string | null, number, number, string]>(
        `UPDATE products SET ${CONFIRMED} WHERE sku = ? AND state = 'emitted'`,
      ),
      // The flow's emitted rows while a shop is current: kept aside under '' (emit mode).
      keptGet: db.prepare<[string], ProductRow>(`SELECT ${ROW_COLS} FROM products_kept WHERE target = '' AND sku = ?`),
      keptFail: db.prepare<{
        sku: string;
        totalgestId: string | null;
        error: string;
        pending: string | null;
        now: number;
      }>(
        `UPDATE products_kept SET state = 'failed', error = @error, hash = NULL, updated_at = @now,
           totalgest_id = COALESCE(@totalgestId, totalgest_id), pending = @pending
         WHERE target = '' AND sku = @sku`,
      ),
      keptConfirm: db.prepare<[string | null, number, number, string]>(
        `UPDATE products_kept SET ${CONFIRMED} WHERE target = '' AND sku = ? AND state = 'emitted'`,
      ),
      // Databases from before the mark was kept in meta: read once, then kept there.
      latestMark: db.prepare<[], { mark: string | null }>('SELECT MAX(seen) AS mark FROM products'),
      counts: db.prepare<[], { state: ProductState; n: number }>(
        'SELECT state, COUNT(*) AS n FROM products GROUP BY state',
      ),
    };
  }

  get(sku: string): ProductRow | undefined {
    return this.stmts.get.get(sku);
  }

  /** Stored hash and state of each given SKU (one query for a page). */
  known(skus: string[]): Map<string, Known> {
    const out = new Map<string, Known>();
    for (let i = 0; i < skus.length; i += 500) {
      const chunk = skus.slice(i, i + 500);
      let stmt = this.knownStmts.get(chunk.length);
      if (!stmt) {
        stmt = this.db.prepare<string[], KnownRow>(
          `SELECT sku, hash, state, body IS NOT NULL AS has_body, totalgest_id FROM products WHERE sku IN (${chunk.map(() => '?').join(',')})`,
        );
        this.knownStmts.set(chunk.length, stmt);
      }
      for (const r of stmt.all(...chunk))
        out.set(r.sku, { hash: r.hash, state: r.state, hasBody: r.has_body === 1, totalgestId: r.totalgest_id });
    }
    return out;
  }

  /**
   * A page's results and where to resume (`null`: leave the resume record as it is), in one
   * transaction that is not synced to disk at once: losing it in a power cut only means the
   * page is read and written again.
   */
  recordPage(page: PageRecord, resume: SyncResume | undefined | null, now: number): void {
    runTransaction(
      this.db,
      () => {
        for (const sku of page.forget ?? []) this.stmts.forget.run(sku);
        const mark = page.seen?.mark ?? null;
        const done = page.done;
        let i = 0;
        if (done.length >= UPSERT_ROWS) {
          const args: UpsertArgs[number][] = new Array<UpsertArgs[number]>(UPSERT_ROWS * UPSERT_ARGS);
          for (; i + UPSERT_ROWS <= done.length; i += UPSERT_ROWS) {
            for (let j = 0, k = 0; j < UPSERT_ROWS; j++) {
              const d = done[i + j]!;
              args[k++] = d.sku;
              args[k++] = d.totalgestId;
              args[k++] = d.fw360Id;
              args[k++] = d.hash;
              args[k++] = d.state;
              args[k++] = now;
              args[k++] = now;
              args[k++] = d.body;
              args[k++] = mark;
            }
            this.stmts.upsertMany.run(args);
          }
        }
        for (; i < done.length; i++) {
          const d = done[i]!;
          this.stmts.upsert.run(d.sku, d.totalgestId, d.fw360Id, d.hash, d.state, now, now, d.body, mark);
        }
        for (const f of page.failed) this.stmts.fail.run({ ...f, now });
        for (const b of page.bodies ?? []) this.stmts.body.run(b.body, b.sku);
        if (page.seen) {
          // Written rows carry the mark already: one write per row, not two.
          const written = page.done.length ? new Set(page.done.map((d) => d.sku)) : undefined;
          for (const sku of page.seen.skus)
            if (!written?.has(sku)) this.stmts.seen.run(page.seen.mark, sku, page.seen.mark);
          // An article served without a usable SKU still owns its products: found by its id. No index
          // on the id (it would cost every row written), so one scan per page that has such articles.
          const ids = page.seen.ids ?? [];
          if (ids.length)
            this.db
              .prepare(
                `UPDATE products SET seen = ? WHERE totalgest_id IN (${ids.map(() => '?').join(',')}) AND (seen IS NULL OR seen < ?)`,
              )
              .run(page.seen.mark, ...ids, page.seen.mark);
        }
        if (resume !== null) this.setResume(resume);
      },
      { durable: false },
    );
  }

  /**
   * Failed products with something to write, last touched by `before` (ms; a run passes its start)
   * or after `now` (touched before the host's clock stepped back: not this run's), in SKU order after `afterSku`.
   */
  retrySet(before: number, afterSku: string, limit: number, now = Date.now()): ProductRow[] {
    return this.stmts.retry.all(before, now, afterSku, limit);
  }

  /** Products no full run since `mark` has seen, not yet deactivated, in SKU order after `afterSku`. */
  unseen(mark: string, afterSku: string, limit: number): ProductRow[] {
    return this.stmts.sweep.all(afterSku, mark, limit);
  }

  /** Where the kept products were sent: a shop's URL, '' for the flow; undefined before it was recorded. */
  target(): string | undefined {
    return getMeta(this.db, TARGET);
  }

  setTarget(target: string): void {
    setMeta(this.db, TARGET, target);
  }

  /**
   * The products now go to another shop (or to the flow): the state kept (links, hashes, marks,
   * retry set, cursor) belongs to the old one. It is put aside under the old shop, and the new
   * shop's own state comes back if this connection sent to it before (else the next run starts
   * from nothing and writes every product).
   */
  switchTarget(from: string, to: string): void {
    const cols = ROW_COLS;
    runTransaction(this.db, () => {
      this.db
        .prepare(`INSERT OR REPLACE INTO products_kept (target, ${cols}) SELECT ?, ${cols} FROM products`)
        .run(from);
      this.db.prepare('DELETE FROM products').run();
      const meta: Record<string, string> = {};
      for (const key of TARGET_META) {
        const value = getMeta(this.db, key);
        if (value !== undefined) meta[key] = value;
      }
      setMeta(this.db, keptMetaKey(from), JSON.stringify(meta));
      this.db.prepare(`DELETE FROM meta WHERE key IN (${TARGET_META.map(() => '?').join(', ')})`).run(...TARGET_META);
      this.db.prepare(`INSERT INTO products (${cols}) SELECT ${cols} FROM products_kept WHERE target = ?`).run(to);
      this.db.prepare('DELETE FROM products_kept WHERE target = ?').run(to);
      const kept = safeRecord(getMeta(this.db, keptMetaKey(to)));
      for (const key of TARGET_META) if (typeof kept[key] === 'string') setMeta(this.db, key, kept[key]);
      this.db.prepare('DELETE FROM meta WHERE key = ?').run(keptMetaKey(to));
      setMeta(this.db, TARGET, to);
    });
  }

  /**
   * What is kept aside for `target` (rows and its meta) copied into `into`, an empty throwaway
   * store: a dry run for that shop previews the run back to it from where it was left.
   */
  copyKeptInto(target: string, into: ProductStore): void {
    const rows = this.db.prepare(`SELECT ${ROW_COLS} FROM products_kept WHERE target = ?`).raw();
    const insert = into.db.prepare(`INSERT INTO products (${ROW_COLS}) VALUES (${ROW_COLS.replace(/\w+/g, '?')})`);
    const kept = safeRecord(getMeta(this.db, keptMetaKey(target)));
    runTransaction(into.db, () => {
      for (const row of rows.iterate(target)) insert.run(...(row as unknown[]));
      for (const key of TARGET_META) if (typeof kept[key] === 'string') setMeta(into.db, key, kept[key]);
      setMeta(into.db, TARGET, target);
    });
  }

  /** The latest mark a full run was given (ISO), if any. */
  latestMark(): string | undefined {
    return getMeta(this.db, LATEST_MARK) ?? this.stmts.latestMark.get()?.mark ?? undefined;
  }

  setLatestMark(mark: string): void {
    setMeta(this.db, LATEST_MARK, mark);
  }

  /** Forgets products the shop never received (TotalGest no longer serves them). */
  remove(skus: string[]): void {
    runTransaction(this.db, () => skus.forEach((s) => this.stmts.remove.run(s)), { durable: false });
  }

  /**
   * The flow wrote these emitted products (or failed to: `error`). A success is taken for a row
   * still `emitted`, of the version quoted (when one is); a failure for any row the shop should
   * hold — the newest body goes back to the retry set (an extra write, never a missed one).
   */
  confirm(items: ConfirmItem[], now: number): ConfirmResult {
    const out: ConfirmResult = { confirmed: 0, failed: 0, notEmitted: [], stale: [] };
    // Emitted rows are the flow's: while a shop is current they are kept aside, and a late
    // confirmation still belongs to them, never to the shop's row of the same SKU.
    const aside = (this.target() ?? '') !== '';
    const get = aside ? this.stmts.keptGet : this.stmts.get;
    const fail = aside ? this.stmts.keptFail : this.stmts.fail;
    const confirm = aside ? this.stmts.keptConfirm : this.stmts.confirm;
    runTransaction(this.db, () => {
      for (const item of items) {
        const row = get.get(item.sku);
        // A failed row is in the retry set already, with what is newest to write.
        if (!row || row.state === 'failed' || (row.state !== 'emitted' && (item.error === null || row.body === null))) {
          out.notEmitted.push(item.sku);
        } else if (item.version && (row.hash === null || versionOf(row.hash) !== item.version)) {
          // The flow confirms a version emitted earlier: the newer one is still to be written.
          out.stale.push(item.sku);
        } else if (item.error !== null) {
          // The product as emitted goes back to the retry set as it is (the override was applied).
          fail.run({
            sku: item.sku,
            totalgestId: row.totalgest_id,
            error: `flow: ${item.error}`,
            pending: row.body && JSON.stringify({ final: productFromStored(row.body) }),
            now,
          });
          out.failed += 1;
        } else {
          confirm.run(item.fw360Id, now, now, item.sku);
          out.confirmed += 1;
        }
      }
    });
    return out;
  }

  /** A Retry-After from the shop (epoch ms): it holds every write of this connection, across runs and redeploys. */
  writePausedUntil(): number {
    return Number(getMeta(this.db, WRITE_PAUSE) ?? 0) || 0;
  }

  setWritePausedUntil(untilMs: number): void {
    if (untilMs > this.writePausedUntil()) setMeta(this.db, WRITE_PAUSE, String(untilMs));
  }

  cursor(): string | undefined {
    return getMeta(this.db, CURSOR);
  }

  setCursor(iso: string): void {
    setMeta(this.db, CURSOR, iso);
  }

  /** The stored resume record; one that does not parse (another version wrote it) is dropped: the run starts over. */
  resume(): SyncResume | undefined {
    const text = getMeta(this.db, RESUME);
    if (!text) return undefined;
    try {
      const parsed = resumeSchema.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  setResume(r: SyncResume | undefined): void {
    if (r) setMeta(this.db, RESUME, JSON.stringify(r));
    else this.db.prepare('DELETE FROM meta WHERE key = ?').run(RESUME);
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
  list(q: { states?: ProductState[]; search?: string; offset: number; limit: number }): {
    rows: ProductRow[];
    total: number;
  } {
    const byState = inFilter('state', q.states);
    const where: string[] = byState.sql;
    const args: Array<string | number> = byState.args;
    if (q.search) {
      // A prefix range on the primary key: uses the index.
      where.push('sku >= ? AND sku < ?');
      args.push(q.search, `${q.search}\u{10FFFF}`);
    }
    const sqlWhere = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM products ${sqlWhere}`).get(...args) as { n: number }).n;
    const rows = this.db
      .prepare(`SELECT * FROM products ${sqlWhere} ORDER BY sku LIMIT ? OFFSET ?`)
      .all(...args, q.limit, q.offset) as ProductRow[];
    return { rows, total };
  }

  lastError(): { sku: string; error: string; at: number } | undefined {
    const row = this.db
      .prepare(`SELECT sku, error, updated_at FROM products WHERE state = 'failed' ORDER BY updated_at DESC LIMIT 1`)
      .get() as { sku: string; error: string; updated_at: number } | undefined;
    return row && { sku: row.sku, error: row.error, at: row.updated_at };
  }

  counts(): Record<ProductState, number> {
    const out: Record<ProductState, number> = { linked: 0, failed: 0, deactivated: 0, emitted: 0 };
    for (const r of this.stmts.counts.all()) out[r.state] = r.n;
    return out;
  }
}
