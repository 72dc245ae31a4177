import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/** Each entry upgrades the schema by one version; never edit a released entry, append. */
const MIGRATIONS: string[] = [
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE orders (
     order_id TEXT PRIMARY KEY,
     external_ref TEXT NOT NULL,
     idempotency_key TEXT,
     document TEXT,
     doc_hash TEXT,
     state TEXT NOT NULL CHECK (state IN ('pending','sending','done','failed','dead','skipped','invalid')),
     attempts INTEGER NOT NULL DEFAULT 0,
     next_attempt_at INTEGER NOT NULL DEFAULT 0,
     lease_until INTEGER,
     totalgest_id TEXT,
     number TEXT,
     reason TEXT,
     error TEXT,
     details TEXT,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     done_at INTEGER
   );
   CREATE INDEX orders_due ON orders(state, next_attempt_at);
   CREATE TABLE deliveries (delivery_id TEXT PRIMARY KEY, order_id TEXT NOT NULL, received_at INTEGER NOT NULL);
   CREATE TABLE products (
     sku TEXT PRIMARY KEY,
     totalgest_id TEXT,
     fw360_id TEXT,
     hash TEXT,
     state TEXT NOT NULL CHECK (state IN ('linked','failed','deactivated')),
     error TEXT,
     synced_at INTEGER,
     updated_at INTEGER NOT NULL
   ) WITHOUT ROWID;
`,
  // The order lifecycle as a state machine: event ordering, age-bounded retries, owned leases,
  // changes that wait for a send in flight, and the needs_review state (a table rebuild, since
  // SQLite cannot change a CHECK constraint in place).
  `CREATE TABLE orders_v2 (
     order_id TEXT PRIMARY KEY,
     external_ref TEXT NOT NULL,
     idempotency_key TEXT,
     document TEXT,
     doc_hash TEXT,
     total TEXT,
     state TEXT NOT NULL CHECK (state IN ('pending','sending','done','failed','dead','skipped','invalid','needs_review')),
     action TEXT NOT NULL DEFAULT 'create' CHECK (action IN ('create','verify_withdraw')),
     attempts INTEGER NOT NULL DEFAULT 0,
     next_attempt_at INTEGER NOT NULL DEFAULT 0,
     queued_at INTEGER,
     lease_until INTEGER,
     lease_owner TEXT,
     maybe_sent INTEGER NOT NULL DEFAULT 0,
     sent_hash TEXT,
     event_at INTEGER,
     event_tie INTEGER,
     event_from_shop INTEGER NOT NULL DEFAULT 1,
     review_key TEXT,
     accepted_key TEXT,
     pending_change TEXT,
     withdraw_to TEXT,
     totalgest_id TEXT,
     number TEXT,
     reason TEXT,
     error TEXT,
     details TEXT,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     done_at INTEGER
   );
   INSERT INTO orders_v2 (order_id, external_ref, idempotency_key, document, doc_hash, total, state, attempts, next_attempt_at, queued_at,
     lease_until, maybe_sent, totalgest_id, number, reason, error, details, created_at, updated_at, done_at)
   SELECT order_id, external_ref, idempotency_key, document, doc_hash, json_extract(document, '$.total'), state, attempts, next_attempt_at, created_at,
     lease_until, attempts > 0, totalgest_id, number, reason, error, details, created_at, updated_at, done_at FROM orders;
   UPDATE orders_v2 SET sent_hash = doc_hash WHERE maybe_sent = 1;
   DROP TABLE orders;
   ALTER TABLE orders_v2 RENAME TO orders;
   CREATE INDEX orders_due ON orders(state, next_attempt_at);
   CREATE INDEX orders_updated ON orders(updated_at);
   CREATE INDEX deliveries_received ON deliveries(received_at);
`,
  // Products: 'emitted' (handed to the flow, not yet confirmed), the product as last written
  // (body: a sweep deactivates with it), the product awaiting a write (pending: the retry set)
  // and the mark of the last full run that saw the SKU (seen: mark and sweep).
  `CREATE TABLE products_v2 (
     sku TEXT PRIMARY KEY,
     totalgest_id TEXT,
     fw360_id TEXT,
     hash TEXT,
     state TEXT NOT NULL CHECK (state IN ('linked','failed','deactivated','emitted')),
     error TEXT,
     synced_at INTEGER,
     updated_at INTEGER NOT NULL,
     body TEXT,
     pending TEXT,
     seen TEXT
   ) WITHOUT ROWID;
   INSERT INTO products_v2 (sku, totalgest_id, fw360_id, hash, state, error, synced_at, updated_at)
     SELECT sku, totalgest_id, fw360_id, hash, state, error, synced_at, updated_at FROM products;
   DROP TABLE products;
   ALTER TABLE products_v2 RENAME TO products;
   CREATE INDEX products_state ON products(state, updated_at);
`,
  // Product bodies are now kept as the value array the hash covers (this version still reads the
  // older object form). No table change: the version alone stops an older package from opening a
  // database whose bodies it could not read, instead of misreading them.
  `SELECT 1;`,
  // The product state of shops a connection sent to before (one shop at a time in products): kept,
  // so a connection pointed back at a shop resumes where it left it (its deletions still swept).
  `CREATE TABLE products_kept (
     target TEXT NOT NULL,
     sku TEXT NOT NULL,
     totalgest_id TEXT,
     fw360_id TEXT,
     hash TEXT,
     state TEXT NOT NULL,
     error TEXT,
     synced_at INTEGER,
     updated_at INTEGER NOT NULL,
     body TEXT,
     pending TEXT,
     seen TEXT,
     PRIMARY KEY (target, sku)
   ) WITHOUT ROWID;
`,
];

export type StateDatabase = Database.Database;

/**
 * Opens (creating if needed) a connection's state database: WAL so readers never block the
 * writer, synchronous=FULL so a committed order survives a power cut.
 */
export function openStateDatabase(file: string): StateDatabase {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    // A small write-ahead log, cut back after each checkpoint: the database fits where the disk is
    // small (a Raspberry Pi's card, a container's volume), and a disk that filled up gets its space back.
    db.pragma('wal_autocheckpoint = 200');
    db.pragma('journal_size_limit = 1048576');
    db.pragma('foreign_keys = ON');
    // SQLite's own default page cache (2 MB): better-sqlite3 builds with 16 MB, which a full
    // product sync fills (+14 MB resident) without writing any faster (measured, README).
    db.pragma('cache_size = -2000');
    migrate(db);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

function migrate(db: StateDatabase): void {
  const current = Number(db.pragma('user_version', { simple: true }));
  if (current > MIGRATIONS.length)
    throw new Error(`state database is from a newer version of this package (schema ${current})`);
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

/** The rows of the given keys through a single-key statement; missing keys are left out. */
export function rowsByKey<R>(stmt: { get(key: string): R | undefined }, keys: string[]): Map<string, R> {
  const out = new Map<string, R>();
  for (const key of keys) {
    const row = stmt.get(key);
    if (row) out.set(key, row);
  }
  return out;
}

/** `column IN (?, …)` with its arguments, for a list filter; nothing when the list is empty. */
export function inFilter(column: string, values: readonly string[] | undefined): { sql: string[]; args: string[] } {
  return values?.length
    ? { sql: [`${column} IN (${values.map(() => '?').join(',')})`], args: [...values] }
    : { sql: [], args: [] };
}

/** Statements of the helpers below, prepared once per connection (a sync runs them once per page). */
const prepared = new WeakMap<StateDatabase, Map<string, Database.Statement>>();

function statement(db: StateDatabase, sql: string): Database.Statement {
  let byText = prepared.get(db);
  if (!byText) prepared.set(db, (byText = new Map()));
  let stmt = byText.get(sql);
  if (!stmt) byText.set(sql, (stmt = db.prepare(sql)));
  return stmt;
}

export function getMeta(db: StateDatabase, key: string): string | undefined {
  const row = statement(db, 'SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
  return row?.value;
}

export function setMeta(db: StateDatabase, key: string, value: string): void {
  statement(
    db,
    'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
  ).run(key, value);
}

/**
 * Runs `fn` as one transaction. `durable: false` skips the disk sync of this commit
 * (synchronous=NORMAL under WAL: safe against a crash of the process, not of the machine),
 * for records whose loss only costs an idempotent repeat; the next durable commit syncs
 * them along with its own.
 */
export function runTransaction<T>(db: StateDatabase, fn: () => T, opts: { durable: boolean } = { durable: true }): T {
  if (opts.durable) return db.transaction(fn)();
  statement(db, 'PRAGMA synchronous = NORMAL').run();
  try {
    return db.transaction(fn)();
  } finally {
    statement(db, 'PRAGMA synchronous = FULL').run();
  }
}
