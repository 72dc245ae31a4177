import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { articleToProduct, productHash } from '../core/product-mapping';
import { zodProblems } from '../core/schema-primitives';
import type { Framework360Client } from '../framework360/client';
import { productSchema, type Fw360Product } from '../framework360/schemas';
import { errorSummary } from '../http/errors';
import type { ProductRecord, ProductStore } from '../store/product-store';
import type { ArticlePage, TotalGestClient } from '../totalgest/client';

export interface SyncOptions {
  /** Re-read this much before the last run's start, so nothing changed during a run is missed. */
  overlapMs: number;
  pageSize: number;
  /** products/save calls in flight (the Framework360 client caps its connection as well). */
  writeConcurrency: number;
  /** Products per emitted batch in emit mode. */
  batchSize: number;
  /** Optional reshaping of each mapped product (the node's JSONata override). */
  override?: (p: Fw360Product) => Promise<unknown>;
  overrideText?: string;
}

export const defaultSyncOptions: SyncOptions = { overlapMs: 60_000, pageSize: 500, writeConcurrency: 4, batchSize: 100 };

export interface RunRequest {
  full?: boolean;
  dryRun?: boolean;
  /** Write every product, changed or not. */
  forceWrite?: boolean;
  signal?: AbortSignal;
  onProgress?: (fetched: number) => void;
  /** Emit mode: each batch of products for the flow to write. */
  onBatch?: (products: Fw360Product[], index: number) => void;
}

export interface SyncFailure {
  sku: string | undefined;
  id: string | undefined;
  reason: string;
}

export interface SyncSummary {
  /** One readable line, first so the debug sidebar shows it in the collapsed message. */
  summary: string;
  mode: 'write' | 'emit';
  full: boolean;
  dryRun: boolean;
  fetched: number;
  created: number;
  updated: number;
  unchanged: number;
  deactivated: number;
  failed: number;
  failures: SyncFailure[];
  pages: number;
  durationMs: number;
  cursorBefore: string | null;
  cursorAfter: string | null;
  startedAt: string;
  /** Dry run only: what would be written. */
  wouldWrite?: { created: Fw360Product[]; updated: Fw360Product[]; deactivated: Fw360Product[] };
  aborted?: boolean;
}

const MAX_FAILURES_LISTED = 200;

/**
 * Keeps the Framework360 catalogue equal to TotalGest: pages through the article feed
 * (incrementally from the stored cursor), maps, detects changes by hash and writes (or
 * emits) only what changed. Holds one page at a time, never the catalogue.
 */
export class ProductSync {
  private readonly opts: SyncOptions;

  constructor(
    private readonly client: TotalGestClient,
    private readonly store: ProductStore,
    private readonly writer: Framework360Client | undefined,
    opts: Partial<SyncOptions> = {},
  ) {
    this.opts = { ...defaultSyncOptions, ...opts };
  }

  async run(req: RunRequest = {}): Promise<SyncSummary> {
    const t0 = Date.now();
    const dryRun = req.dryRun === true;
    const cursorBefore = this.store.cursor() ?? null;
    const resume = dryRun ? undefined : this.store.resume();
    // An interrupted run of the same kind is continued where it stopped.
    const full = req.full === true || cursorBefore === null;
    const continuing = resume && resume.full === full ? resume : undefined;
    if (resume && !continuing) this.store.setResume(undefined);
    const updatedSince = continuing ? continuing.updatedSince : full ? null : cursorBefore;
    const summary: SyncSummary = {
      summary: '',
      mode: this.writer ? 'write' : 'emit',
      full,
      dryRun,
      fetched: 0,
      created: 0,
      updated: 0,
      unchanged: 0,
      deactivated: 0,
      failed: 0,
      failures: [],
      pages: 0,
      durationMs: 0,
      cursorBefore,
      cursorAfter: cursorBefore,
      startedAt: new Date(t0).toISOString(),
      ...(dryRun ? { wouldWrite: { created: [], updated: [], deactivated: [] } } : {}),
    };
    let startServerTime = continuing?.startServerTime;
    const after = continuing?.after ?? undefined;
    let writeFailures = 0;
    let batchIndex = 0;
    const fetchPage = (cursor: string | undefined) =>
      this.client.articlePage({ updatedSince: updatedSince ?? undefined, after: cursor, limit: this.opts.pageSize });
    let pending: Promise<ArticlePage> | undefined = fetchPage(after);
    while (pending) {
      const page: ArticlePage = await pending;
      // Fetch the next page while this one is handled: download and work overlap.
      pending = page.next !== null && !req.signal?.aborted ? fetchPage(page.next) : undefined;
      pending?.catch(() => undefined);
      const runStart = (startServerTime ??= page.serverTime);
      summary.pages += 1;
      summary.fetched += page.articles.length + page.invalid.length;
      for (const bad of page.invalid) this.fail(summary, { sku: bad.sku, id: bad.id, reason: `invalid article: ${bad.reason}` });

      const changes = await this.changesOf(page.articles, summary, req.forceWrite === true);
      const done: ProductRecord[] = [];
      const failed: Array<{ sku: string; totalgestId: string; error: string }> = [];
      if (dryRun) {
        for (const c of changes) summary.wouldWrite![c.kind].push(c.product);
      } else if (this.writer) {
        await this.writeAll(changes, done, failed);
      } else if (changes.length) {
        for (let i = 0; i < changes.length; i += this.opts.batchSize)
          req.onBatch?.(
            changes.slice(i, i + this.opts.batchSize).map((c) => c.product),
            batchIndex++,
          );
        for (const c of changes) done.push(this.recordOf(c, null));
      }
      const failedSkus = new Set(failed.map((f) => f.sku));
      for (const c of changes) if (!failedSkus.has(c.product.sku)) summary[c.kind] += 1;
      for (const f of failed) this.fail(summary, { sku: f.sku, id: f.totalgestId, reason: f.error });
      writeFailures += failed.length;
      if (!dryRun) this.store.recordPage(done, failed, page.next ? { after: page.next, updatedSince, startServerTime: runStart, full } : undefined, Date.now());
      req.onProgress?.(summary.fetched);
      if (page.next !== null && req.signal?.aborted) {
        summary.aborted = true;
        break;
      }
      await yieldToLoop();
    }
    // The cursor moves only after a complete run whose every write succeeded: failed writes
    // are tried again by re-reading the same window (unchanged products cost no write).
    if (!dryRun && !summary.aborted && writeFailures === 0 && startServerTime) {
      const next = new Date(Date.parse(startServerTime) - this.opts.overlapMs).toISOString();
      if (!cursorBefore || next > cursorBefore || full) this.store.setCursor(next);
      summary.cursorAfter = this.store.cursor() ?? null;
      this.store.setLastSuccessAt(new Date().toISOString());
    }
    summary.durationMs = Date.now() - t0;
    summary.summary = `${summary.fetched} fetched: ${summary.created} created, ${summary.updated} updated, ${summary.unchanged} unchanged, ${summary.deactivated} deactivated, ${summary.failed} failed${dryRun ? ' (dry run)' : ''}${summary.aborted ? ' (stopped)' : ''}`;
    if (!dryRun) this.store.setLastRun({ ...summary, failures: summary.failures.slice(0, 20), wouldWrite: undefined, finishedAt: new Date().toISOString() });
    return summary;
  }

  private fail(summary: SyncSummary, f: SyncFailure): void {
    summary.failed += 1;
    if (summary.failures.length < MAX_FAILURES_LISTED) summary.failures.push(f);
  }

  private async changesOf(
    articles: ArticlePage['articles'],
    summary: SyncSummary,
    force: boolean,
  ): Promise<Array<{ product: Fw360Product; hash: string; kind: 'created' | 'updated' | 'deactivated' }>> {
    const known = this.store.known(articles.map((a) => a.sku));
    const out: Array<{ product: Fw360Product; hash: string; kind: 'created' | 'updated' | 'deactivated' }> = [];
    for (const a of articles) {
      let product = articleToProduct(a);
      if (this.opts.override) {
        const reshaped = productSchema.safeParse(await this.opts.override(product));
        if (!reshaped.success) {
          this.fail(summary, {
            sku: a.sku,
            id: a.id,
            reason: `override result: ${zodProblems(reshaped.error)
              .map((p) => `${p.path} ${p.message}`)
              .join('; ')}`,
          });
          continue;
        }
        product = reshaped.data;
      }
      const hash = productHash(product, this.opts.overrideText);
      const before = known.get(product.sku);
      if (!force && before?.hash === hash) {
        summary.unchanged += 1;
        continue;
      }
      // A product never written before is created, even when it arrives inactive.
      const kind = !before || before.hash === null ? 'created' : product.active ? 'updated' : 'deactivated';
      out.push({ product, hash, kind });
    }
    return out;
  }

  private recordOf(c: { product: Fw360Product; hash: string }, fw360Id: string | null): ProductRecord {
    return { sku: c.product.sku, totalgestId: c.product.totalgestId, fw360Id, hash: c.hash, state: c.product.active ? 'linked' : 'deactivated' };
  }

  private async writeAll(
    changes: Array<{ product: Fw360Product; hash: string }>,
    done: ProductRecord[],
    failed: Array<{ sku: string; totalgestId: string; error: string }>,
  ): Promise<void> {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < changes.length) {
        const c = changes[next++]!;
        try {
          const saved = await this.writer!.saveProduct(c.product);
          done.push(this.recordOf(c, String(saved.id)));
        } catch (err) {
          failed.push({ sku: c.product.sku, totalgestId: c.product.totalgestId, error: `products/save: ${errorSummary(err)}` });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.opts.writeConcurrency, changes.length) }, worker));
  }
}
