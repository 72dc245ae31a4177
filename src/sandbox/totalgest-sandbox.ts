import { createHash, randomBytes } from 'node:crypto';
import { cashRound, Decimal } from '../core/decimal';
import { zodProblems } from '../core/schema-primitives';
import { articleSchema, orderDocumentSchema, type Article, type OrderDocument } from '../totalgest/schemas';
import { ArticleStore, decodeCursor } from './article-store';
import { demoArticles, prng, seededCatalogue } from './catalogue';
import { FaultInjector } from './faults';
import { json, Router, startServer, type Reply, type RunningServer, type SandboxRequest } from './http-server';

export interface TotalGestSandboxOptions {
  port?: number;
  articles?: number;
  seed?: number;
  tokenLifetimeMs?: number;
  /** Also seed the SKUs the orders in test/fixtures/orders use (CAF-250, TEA-100, …). */
  demoArticles?: boolean;
  users?: Array<{ username: string; password: string }>;
  shops?: Array<{ id: string; name: string; ownerId: string }>;
}

export interface ReceivedOrder {
  id: string;
  number: string;
  externalRef: string;
  idempotencyKey: string;
  receivedAt: string;
  body: OrderDocument;
}

interface LoggedRequest {
  method: string;
  path: string;
  /** When the request arrived, and when and how it was answered. */
  at: number;
  status?: number;
  doneAt?: number;
  /** When the connection closed: for a held (hung) request, when the client gave up on it. */
  closedAt?: number;
}

const API = '/api/v1';
const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;

function err(status: number, code: string, message: string, extra: Record<string, unknown> = {}): Reply {
  return json(status, { error: { code, message, ...extra } });
}

/**
 * The TotalGest contract (docs/api-assumptions.md) as a running, stateful server with
 * fault injection. Test controls live under /_sandbox/.
 */
export class TotalGestSandbox {
  readonly faults = new FaultInjector();
  readonly articles = new ArticleStore();
  readonly orders: ReceivedOrder[] = [];
  readonly requests: LoggedRequest[] = [];
  logins = 0;
  tokenLifetimeMs: number;
  private readonly tokens = new Map<string, { expiresAt: number; shopId: string }>();
  private readonly idempotency = new Map<string, { at: number; hash: string; reply: Reply }>();
  private readonly users: Array<{ username: string; password: string }>;
  private readonly shops: Array<{ id: string; name: string; ownerId: string }>;
  private server: RunningServer | undefined;
  private mutateRand: () => number;
  private orderSeq = 0;
  private lastTime = 0;

  constructor(private readonly opts: TotalGestSandboxOptions = {}) {
    this.tokenLifetimeMs = opts.tokenLifetimeMs ?? 30 * 60_000;
    this.users = opts.users ?? [{ username: 'demo', password: 'demo-password' }];
    this.shops = opts.shops ?? [{ id: 'demo-shop', name: 'Demo Shop Lugano', ownerId: 'demo-owner' }];
    this.mutateRand = prng((opts.seed ?? 42) + 1);
    this.seed();
  }

  get url(): string {
    if (!this.server) throw new Error('sandbox not started');
    return this.server.url;
  }

  private seed(): void {
    this.articles.clear();
    for (const a of seededCatalogue(this.opts.articles ?? 500, this.opts.seed ?? 42)) this.articles.put(a);
    if (this.opts.demoArticles) for (const a of demoArticles()) this.articles.put(a);
  }

  /** updatedAt for a change now: never earlier than the last one, so the feed stays ordered. */
  private nextTime(): number {
    this.lastTime = Math.max(Date.now(), this.lastTime);
    return this.lastTime;
  }

  reset(): void {
    this.faults.reset();
    this.orders.length = 0;
    this.requests.length = 0;
    this.tokens.clear();
    this.idempotency.clear();
    this.logins = 0;
    this.orderSeq = 0;
    this.tokenLifetimeMs = this.opts.tokenLifetimeMs ?? 30 * 60_000;
    this.mutateRand = prng((this.opts.seed ?? 42) + 1);
    this.seed();
  }

  async start(port = this.opts.port ?? 8450): Promise<string> {
    this.server = await startServer(this.router(), {
      port,
      middleware: async (req, res) => {
        if (!req.path.startsWith('/_sandbox/')) {
          const entry: LoggedRequest = { method: req.method, path: req.path, at: Date.now() };
          this.requests.push(entry);
          res.once('finish', () => {
            entry.status = res.statusCode;
            entry.doneAt = Date.now();
          });
          res.once('close', () => (entry.closedAt = Date.now()));
          if (this.requests.length > 200_000) this.requests.splice(0, 50_000);
        }
        return this.faults.middleware(req, res);
      },
      onClose: () => this.faults.reset(),
    });
    return this.server.url;
  }

  async stop(): Promise<void> {
    await this.server?.close();
    this.server = undefined;
  }

  private auth(req: SandboxRequest): Reply | { shopId: string } {
    const header = req.headers.authorization ?? '';
    const token = /^Bearer (.+)$/.exec(header)?.[1];
    const t = token ? this.tokens.get(token) : undefined;
    if (!token || !t) return err(401, 'unauthorized', 'missing or unknown token');
    if (t.expiresAt <= Date.now()) return err(401, 'token_expired', 'token expired');
    if (req.params.shopId !== undefined && req.params.shopId !== t.shopId)
      return err(403, 'shop_forbidden', 'token is for another shop');
    return { shopId: t.shopId };
  }

  private router(): Router {
    const r = new Router();
    r.on('POST', `${API}/auth/login`, (req) => this.login(req));
    r.on('GET', `${API}/shops/:shopId`, (req) => this.withAuth(req, () => this.shop(req)));
    r.on('GET', `${API}/shops/:shopId/articles`, (req) => this.withAuth(req, () => this.articlePage(req)));
    r.on('POST', `${API}/shops/:shopId/orders`, (req) => this.withAuth(req, () => this.createOrder(req)));
    r.on('GET', `${API}/shops/:shopId/orders`, (req) => this.withAuth(req, () => this.lookupOrders(req)));
    // Test controls.
    r.on('POST', '/_sandbox/reset', () => (this.reset(), json(200, { ok: true })));
    r.on('POST', '/_sandbox/faults', (req) => json(200, this.faults.configure(req.body)));
    r.on('POST', '/_sandbox/config', (req) => this.configure(req.body));
    r.on('POST', '/_sandbox/tokens/expire', () => this.expireTokens());
    r.on('GET', '/_sandbox/orders', () => json(200, { items: this.orders }));
    r.on('GET', '/_sandbox/requests', () => json(200, { items: this.requests, logins: this.logins }));
    r.on('POST', '/_sandbox/articles', (req) => this.upsertArticles(req.body));
    r.on('POST', '/_sandbox/articles/mutate', (req) => this.mutate(req.body, false));
    r.on('POST', '/_sandbox/articles/delete', (req) => this.mutate(req.body, true));
    r.on('POST', '/_sandbox/articles/corrupt', (req) => this.corrupt(req.body));
    r.on('POST', '/_sandbox/articles/rename', (req) => this.rename(req.body));
    r.on('GET', '/_sandbox/articles/:id', (req) => {
      const a = this.articles.get(req.params.id ?? '');
      return a ? json(200, a) : err(404, 'not_found', 'no such article');
    });
    return r;
  }

  private withAuth(req: SandboxRequest, fn: () => Reply): Reply {
    const a = this.auth(req);
    if ('status' in a) return a;
    if (!this.shops.some((s) => s.id === req.params.shopId))
      return err(404, 'shop_not_found', `shop ${req.params.shopId} not found`);
    return fn();
  }

  private login(req: SandboxRequest): Reply {
    const b = (req.body ?? {}) as Record<string, unknown>;
    for (const f of ['username', 'password', 'shopId', 'ownerId']) {
      if (typeof b[f] !== 'string' || b[f] === '') return err(400, 'bad_request', `${f} is required`);
    }
    const user = this.users.find((u) => u.username === b.username && u.password === b.password);
    if (!user) return err(401, 'invalid_credentials', 'wrong username or password');
    const shop = this.shops.find((s) => s.id === b.shopId);
    // An unknown shop is reported by GET /shops/{id} (404), as the contract has it.
    if (shop && shop.ownerId !== b.ownerId) return err(403, 'shop_forbidden', 'the owner does not own that shop');
    const token = randomBytes(18).toString('base64url');
    const expiresAt = Date.now() + this.tokenLifetimeMs;
    this.tokens.set(token, { expiresAt, shopId: String(b.shopId) });
    this.logins += 1;
    return json(200, { token, expiresAt: new Date(expiresAt).toISOString() });
  }

  private shop(req: SandboxRequest): Reply {
    const shop = this.shops.find((s) => s.id === req.params.shopId)!;
    return json(200, {
      ...shop,
      currency: 'CHF',
      vatRates: [
        { code: 'N', rate: '8.1' },
        { code: 'R', rate: '2.6' },
        { code: 'S', rate: '3.8' },
        { code: 'E', rate: '0' },
      ],
    });
  }

  private articlePage(req: SandboxRequest): Reply {
    const limitText = req.query.get('limit') ?? '100';
    const limit = Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) return err(400, 'bad_request', 'limit must be 1..500');
    const sinceText = req.query.get('updatedSince');
    const since = sinceText ? Date.parse(sinceText) : undefined;
    if (since !== undefined && Number.isNaN(since)) return err(400, 'bad_request', 'updatedSince must be an ISO time');
    const afterText = req.query.get('after');
    const after = afterText ? decodeCursor(afterText) : undefined;
    if (afterText && !after) return err(400, 'bad_request', 'after is not a cursor of this feed');
    const serverTime = new Date(Date.now()).toISOString();
    const page = this.articles.page({ since, after, limit, includeDeleted: since !== undefined });
    return json(200, { items: page.items, next: page.next, serverTime });
  }

  private createOrder(req: SandboxRequest): Reply {
    const key = req.headers['idempotency-key'];
    if (typeof key !== 'string' || key.length === 0 || key.length > 128) {
      return err(400, 'idempotency_key_required', 'Idempotency-Key header (1..128 chars) is required');
    }
    const now = Date.now();
    const hash = createHash('sha256').update(req.rawBody).digest('hex');
    const seen = this.idempotency.get(key);
    if (seen && now - seen.at < IDEMPOTENCY_TTL_MS) {
      if (seen.hash !== hash)
        return err(409, 'idempotency_key_reused', 'Idempotency-Key was used with a different body');
      return seen.reply;
    }
    const parsed = orderDocumentSchema.safeParse(req.body);
    if (!parsed.success)
      return err(422, 'validation_failed', 'the document is not valid', { details: zodProblems(parsed.error) });
    const doc = parsed.data;
    const details: Array<{ path: string; message: string }> = [];
    const articles: Array<Article | undefined> = doc.lines.map((line, i) => {
      const a = this.articles.findBySku(line.sku);
      if (!a) details.push({ path: `lines[${i}].sku`, message: 'unknown article' });
      if (Decimal.parse(line.quantity).cmp(Decimal.ZERO) <= 0)
        details.push({ path: `lines[${i}].quantity`, message: 'must be greater than 0' });
      return a;
    });
    if (details.length) return err(422, 'validation_failed', 'the document is not valid', { details });
    let goods = Decimal.ZERO;
    for (const l of doc.lines)
      goods = goods.add(
        Decimal.parse(l.quantity).mul(Decimal.parse(l.unitPrice)).round(2).sub(Decimal.parse(l.discount)),
      );
    const expected = cashRound(goods.add(doc.shipping ? Decimal.parse(doc.shipping.amount) : Decimal.ZERO));
    if (!expected.eq(Decimal.parse(doc.total))) {
      return err(422, 'total_mismatch', `total ${doc.total} does not match the computed ${expected.toFixed(2)}`, {
        details: [{ path: 'total', message: `expected ${expected.toFixed(2)}, got ${doc.total}` }],
      });
    }
    const existing = this.orders.find((o) => o.externalRef === doc.externalRef);
    if (existing)
      return err(409, 'duplicate_external_ref', `an order with externalRef ${doc.externalRef} exists`, {
        existingId: existing.id,
      });
    this.orderSeq += 1;
    const seq = String(this.orderSeq).padStart(6, '0');
    const order: ReceivedOrder = {
      id: `D-${seq}`,
      number: `${new Date(now).getUTCFullYear()}-${seq}`,
      externalRef: doc.externalRef,
      idempotencyKey: key,
      receivedAt: new Date(now).toISOString(),
      body: doc,
    };
    this.orders.push(order);
    const t = this.nextTime();
    doc.lines.forEach((line, i) => {
      const a = articles[i]!;
      const qty = Decimal.parse(line.quantity);
      this.articles.put({
        ...a,
        stock: {
          onHand: a.stock.onHand,
          reserved: Decimal.parse(a.stock.reserved).add(qty).toString(),
          available: Decimal.parse(a.stock.available).sub(qty).toString(),
        },
        updatedAt: new Date(t).toISOString(),
      });
    });
    const reply = json(201, { id: order.id, number: order.number, status: 'open' });
    this.idempotency.set(key, { at: now, hash, reply });
    return reply;
  }

  private lookupOrders(req: SandboxRequest): Reply {
    const ref = req.query.get('externalRef');
    const items = this.orders
      .filter((o) => ref === null || o.externalRef === ref)
      .map((o) => ({ id: o.id, number: o.number, externalRef: o.externalRef, status: 'open', total: o.body.total }));
    return json(200, { items });
  }

  private configure(body: unknown): Reply {
    const b = (body ?? {}) as { tokenLifetimeMs?: unknown };
    if (b.tokenLifetimeMs !== undefined) {
      if (typeof b.tokenLifetimeMs !== 'number' || b.tokenLifetimeMs < 1)
        return err(400, 'bad_request', 'tokenLifetimeMs must be a positive number');
      this.tokenLifetimeMs = b.tokenLifetimeMs;
    }
    return json(200, { tokenLifetimeMs: this.tokenLifetimeMs });
  }

  private expireTokens(): Reply {
    const now = Date.now();
    for (const t of this.tokens.values()) t.expiresAt = now;
    return json(200, { expired: this.tokens.size });
  }

  private upsertArticles(body: unknown): Reply {
    const items = (body as { items?: unknown } | undefined)?.items;
    if (!Array.isArray(items)) return err(400, 'bad_request', 'items must be an array of articles');
    const details: Array<{ path: string; message: string }> = [];
    const valid: Article[] = [];
    items.forEach((item, i) => {
      const p = articleSchema.safeParse(item);
      if (p.success) valid.push(p.data);
      else details.push(...zodProblems(p.error).map((d) => ({ path: `items[${i}].${d.path}`, message: d.message })));
    });
    if (details.length) return err(422, 'validation_failed', 'invalid articles', { details });
    for (const a of valid) {
      this.articles.put(a);
      this.lastTime = Math.max(this.lastTime, Date.parse(a.updatedAt));
    }
    return json(200, { upserted: valid.length });
  }

  /**
   * Serves an article that breaks the contract (`{id, set: {field: value}}`, e.g. a price of
   * "twelve"), with a new updatedAt, as a faulty TotalGest would; a later valid upsert fixes it.
   */
  private corrupt(body: unknown): Reply {
    const b = (body ?? {}) as { id?: unknown; set?: unknown };
    const a = typeof b.id === 'string' ? this.articles.get(b.id) : undefined;
    if (!a) return err(404, 'not_found', 'id must name an article');
    if (typeof b.set !== 'object' || b.set === null) return err(400, 'bad_request', 'set must be an object of fields');
    const next = {
      ...a,
      ...(b.set as Record<string, unknown>),
      id: a.id,
      updatedAt: new Date(this.nextTime()).toISOString(),
    } as Article;
    this.articles.put(next);
    return json(200, { id: a.id, updatedAt: next.updatedAt });
  }

  /** Gives an article a new SKU (`{id, sku}`), as a renumbering in TotalGest does. */
  private rename(body: unknown): Reply {
    const b = (body ?? {}) as { id?: unknown; sku?: unknown };
    const a = typeof b.id === 'string' ? this.articles.get(b.id) : undefined;
    if (!a) return err(404, 'not_found', 'id must name an article');
    if (typeof b.sku !== 'string' || b.sku === '') return err(400, 'bad_request', 'sku is required');
    this.articles.put({ ...a, sku: b.sku, updatedAt: new Date(this.nextTime()).toISOString() });
    return json(200, { id: a.id, from: a.sku, to: b.sku });
  }

  /** Changes price and stock (or deletes) `count` articles picked by a seeded generator, or the given `ids`. */
  private mutate(body: unknown, remove: boolean): Reply {
    const given = (body as { ids?: unknown } | undefined)?.ids;
    if (Array.isArray(given)) {
      if (!given.every((id) => typeof id === 'string' && this.articles.get(id)))
        return err(400, 'bad_request', 'ids must name articles');
    }
    const count = Array.isArray(given) ? given.length : (body as { count?: unknown } | undefined)?.count;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0)
      return err(400, 'bad_request', 'count must be a whole number ≥ 0');
    const ids = this.articles.ids().filter((id) => !this.articles.get(id)!.deleted);
    const picked = new Set<string>(Array.isArray(given) ? (given as string[]) : []);
    while (picked.size < Math.min(count, ids.length)) picked.add(ids[Math.floor(this.mutateRand() * ids.length)]!);
    const t = new Date(this.nextTime()).toISOString();
    const changed: Array<{ id: string; sku: string }> = [];
    for (const id of picked) {
      const a = this.articles.get(id)!;
      const next: Article = remove
        ? { ...a, deleted: true, active: false, updatedAt: t }
        : {
            ...a,
            price: Decimal.parse(a.price).add(Decimal.parse('0.10')).toFixed(2),
            stock: {
              ...a.stock,
              onHand: Decimal.parse(a.stock.onHand).add(Decimal.parse('1')).toString(),
              available: Decimal.parse(a.stock.available).add(Decimal.parse('1')).toString(),
            },
            updatedAt: t,
          };
      this.articles.put(next);
      changed.push({ id, sku: a.sku });
    }
    return json(200, { changed });
  }
}
