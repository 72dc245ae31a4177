import type { Article } from '../totalgest/schemas';

interface IndexEntry {
  t: number;
  id: string;
}

function before(a: IndexEntry, b: IndexEntry): boolean {
  return a.t < b.t || (a.t === b.t && a.id < b.id);
}

export function encodeCursor(e: IndexEntry): string {
  return Buffer.from(`${e.t}|${e.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): IndexEntry | undefined {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const bar = text.indexOf('|');
  const t = Number(text.slice(0, bar));
  if (bar < 1 || !Number.isFinite(t)) return undefined;
  return { t, id: text.slice(bar + 1) };
}

/**
 * The sandbox's catalogue: articles by id plus an index sorted by (updatedAt, id), so a
 * page is a binary search and a short scan however large the catalogue. An update appends
 * a new index entry and leaves the old one stale (skipped while scanning, compacted later).
 */
export class ArticleStore {
  private readonly byId = new Map<string, Article>();
  private readonly timeById = new Map<string, number>();
  private readonly idBySku = new Map<string, string>();
  private index: IndexEntry[] = [];
  private stale = 0;

  get size(): number {
    return this.byId.size;
  }

  get(id: string): Article | undefined {
    return this.byId.get(id);
  }

  findBySku(sku: string): Article | undefined {
    const id = this.idBySku.get(sku);
    const a = id === undefined ? undefined : this.byId.get(id);
    return a && !a.deleted ? a : undefined;
  }

  ids(): string[] {
    return [...this.byId.keys()];
  }

  clear(): void {
    this.byId.clear();
    this.timeById.clear();
    this.idBySku.clear();
    this.index = [];
    this.stale = 0;
  }

  /** Stores the article as given (its own updatedAt). */
  put(article: Article): void {
    const t = Date.parse(article.updatedAt);
    const old = this.timeById.get(article.id);
    // A renamed SKU no longer finds the article.
    const previous = this.byId.get(article.id);
    if (previous && previous.sku !== article.sku && this.idBySku.get(previous.sku) === article.id)
      this.idBySku.delete(previous.sku);
    this.byId.set(article.id, article);
    if (!article.deleted || !this.idBySku.has(article.sku)) this.idBySku.set(article.sku, article.id);
    if (old === t) return;
    if (old !== undefined) this.stale += 1;
    this.timeById.set(article.id, t);
    this.insert({ t, id: article.id });
    if (this.stale > 1000 && this.stale > this.index.length / 2) this.compact();
  }

  private insert(e: IndexEntry): void {
    const last = this.index[this.index.length - 1];
    if (!last || before(last, e)) {
      this.index.push(e);
      return;
    }
    this.index.splice(this.upperBound(e), 0, e);
  }

  /** First position whose entry sorts after `e`. */
  private upperBound(e: IndexEntry): number {
    let lo = 0;
    let hi = this.index.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(e, this.index[mid]!)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  private lowerBoundTime(t: number): number {
    let lo = 0;
    let hi = this.index.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.index[mid]!.t < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private compact(): void {
    this.index = this.index.filter((e) => this.timeById.get(e.id) === e.t);
    this.stale = 0;
  }

  /** Keyset page: ascending (updatedAt, id) strictly after the cursor, from `since` on. */
  page(opts: { since?: number; after?: IndexEntry; limit: number; includeDeleted: boolean }): {
    items: Article[];
    next: string | null;
    scanned: number;
  } {
    let pos = opts.after ? this.upperBound(opts.after) : 0;
    if (opts.since !== undefined) pos = Math.max(pos, this.lowerBoundTime(opts.since));
    const items: Article[] = [];
    let lastEntry: IndexEntry | undefined;
    const start = pos;
    for (; pos < this.index.length; pos++) {
      const e = this.index[pos]!;
      if (this.timeById.get(e.id) !== e.t) continue;
      const a = this.byId.get(e.id)!;
      if (a.deleted && !opts.includeDeleted) continue;
      if (items.length === opts.limit) {
        // One more visible item exists: the page is not the last.
        return { items, next: encodeCursor(lastEntry!), scanned: pos - start + 1 };
      }
      items.push(a);
      lastEntry = e;
    }
    return { items, next: null, scanned: pos - start };
  }
}
