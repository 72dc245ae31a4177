import { Framework360Client } from '../../src/framework360/client';
import type { Framework360Sandbox } from '../../src/sandbox/framework360-sandbox';
import type { TotalGestSandbox } from '../../src/sandbox/totalgest-sandbox';
import { openStateDatabase, type StateDatabase } from '../../src/store/state-db';
import { TotalGestClient } from '../../src/totalgest/client';
import type { Article } from '../../src/totalgest/schemas';
import { demoCredentials, startFramework360, startTotalGest } from './sandboxes';

/** What a ProductSync engine test works with: both sandboxes, the state database, both clients. */
export interface ProductSyncSandboxes {
  tg: TotalGestSandbox;
  fw: Framework360Sandbox;
  db: StateDatabase;
  client: TotalGestClient;
  writer: Framework360Client;
}

/**
 * Mocha hooks for a ProductSync engine test against the sandboxes on loopback: both sandboxes for the
 * whole describe (TotalGest with `articles` generated articles, no demo ones); before each test both
 * reset, a fresh in-memory state database and the two clients (the writer with `writerTimeoutMs` if
 * given), closed after it. The returned object holds the current ones once a test runs.
 */
export function productSyncSandboxes(opts: { articles: number; writerTimeoutMs?: number }): ProductSyncSandboxes {
  const s = {} as ProductSyncSandboxes;
  before(async () => {
    s.tg = await startTotalGest({ articles: opts.articles, demoArticles: false });
    s.fw = await startFramework360();
  });
  beforeEach(() => {
    s.tg.reset();
    s.fw.reset();
    s.db = openStateDatabase(':memory:');
    s.client = new TotalGestClient({ endpoint: s.tg.url, ...demoCredentials });
    s.writer = new Framework360Client({ siteUrl: s.fw.url, apiKey: 'demo-key', timeoutMs: opts.writerTimeoutMs });
  });
  afterEach(() => {
    s.client.close();
    s.writer.close();
    s.db.close();
  });
  after(async () => {
    await s.tg.stop();
    await s.fw.stop();
  });
  return s;
}

/** Most requests a sandbox held at once, from its own log of arrivals and answers. */
export function maxInFlight(log: ReadonlyArray<{ at: number; doneAt?: number }>): number {
  const events = log.flatMap((r) => [
    [r.at, 1],
    [r.doneAt ?? Infinity, -1],
  ]);
  events.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  let n = 0;
  let max = 0;
  for (const [, d] of events) max = Math.max(max, (n += d!));
  return max;
}

/**
 * Mocha hooks for a second Framework360 shop beside the first (one connection pointed at another
 * shop): its sandbox for the whole describe, reset before each test with a fresh writer for it,
 * closed after. The returned object holds the current ones once a test runs.
 */
export function secondShop(): { fw: Framework360Sandbox; writer: Framework360Client } {
  const shop = {} as { fw: Framework360Sandbox; writer: Framework360Client };
  before(async () => (shop.fw = await startFramework360()));
  beforeEach(() => {
    shop.fw.reset();
    shop.writer = new Framework360Client({ siteUrl: shop.fw.url, apiKey: 'demo-key' });
  });
  afterEach(() => shop.writer.close());
  after(async () => shop.fw.stop());
  return shop;
}

export const iso = (t: number): string => new Date(t).toISOString();

/** A valid TotalGest article for a sandbox upsert: `sku`'s name, `price`, stamped `updatedAt` (ms); `extra` overrides. */
export function article(
  id: string,
  sku: string,
  price: string,
  updatedAt: number,
  extra: Partial<Article> = {},
): Article {
  return {
    id,
    sku,
    ean: null,
    name: `Article ${sku}`,
    shortDescription: '',
    description: '',
    price,
    vatCode: 'N',
    vatRate: '8.1',
    stock: { onHand: '5', reserved: '0', available: '5' },
    unit: 'pcs',
    active: true,
    deleted: false,
    updatedAt: iso(updatedAt),
    ...extra,
  };
}

/**
 * A Node-RED flow with one TotalGest connection `c1`, two Framework360 shops `f1` and `f2`, and
 * pull nodes on `c1` (their summary output wired to a helper node `<id>-out`); a page size only
 * where given. Credentials: twoShopCredentials.
 */
export function twoShopFlow(
  urls: { tg: string; shop1: string; shop2: string },
  pulls: Array<{ id: string; fw: string; pageSize?: number }>,
): Array<Record<string, unknown>> {
  return [
    { id: 'c1', type: 'totalgest-config', endpoint: urls.tg, shopId: 'demo-shop', ownerId: 'demo-owner' },
    { id: 'f1', type: 'framework360-config', siteUrl: urls.shop1 },
    { id: 'f2', type: 'framework360-config', siteUrl: urls.shop2 },
    ...pulls.map((p) => ({
      id: p.id,
      type: 'tg-pull-products',
      connection: 'c1',
      framework360: p.fw,
      ...(p.pageSize === undefined ? {} : { pageSize: p.pageSize }),
      wires: [[], [`${p.id}-out`]],
    })),
    ...pulls.map((p) => ({ id: `${p.id}-out`, type: 'helper' })),
  ];
}

export const twoShopCredentials = {
  c1: { username: 'demo', password: 'demo-password' },
  f1: { apiKey: 'demo-key' },
  f2: { apiKey: 'demo-key' },
};
