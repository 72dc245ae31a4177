import type { z } from 'zod';
import { fastArticle } from '../core/product-article';
import { zodProblems, describeProblems } from '../core/schema-primitives';
import {
  ApiError,
  AuthError,
  BadResponseError,
  DuplicateError,
  ForbiddenError,
  NotFoundError,
  RateLimitedError,
  TransientError,
  ValidationError,
} from '../http/errors';
import { DEFAULT_CONCURRENCY, RequestLimiter } from '../http/limiter';
import { defaultRetryPolicy, withRetry, type RetryPolicy } from '../http/retry';
import {
  DEFAULT_TIMEOUT_MS,
  parseRetryAfter,
  Transport,
  type RawResponse,
  type TransportRequest,
} from '../http/transport';
import { normaliseEndpoint } from './endpoint';
import {
  articlePageSchema,
  articleSchema,
  errorBodySchema,
  loginResponseSchema,
  orderCreatedSchema,
  orderLookupSchema,
  shopSchema,
  type Article,
  type OrderCreated,
  type OrderDocument,
  type OrderSummary,
  type Shop,
} from './schemas';

export interface TotalGestClientOptions {
  endpoint: string;
  shopId: string;
  ownerId: string;
  username: string;
  password: string;
  allowInsecureHttp?: boolean;
  timeoutMs?: number;
  concurrency?: number;
  /** Requests per second across the connection; 0 = unlimited. */
  ratePerSecond?: number;
  retry?: Partial<RetryPolicy>;
}

export interface InvalidArticle {
  /** Position in the page, and the id/sku when the item had them. */
  index: number;
  id: string | undefined;
  sku: string | undefined;
  reason: string;
  /** Deleted or inactive by the record's own flags: it is still deactivated in the shop. */
  gone: boolean;
}

export interface ArticlePage {
  articles: Article[];
  invalid: InvalidArticle[];
  next: string | null;
  serverTime: string;
}

interface CallSpec<S extends z.ZodType> extends TransportRequest {
  schema: S;
  auth: boolean;
}

/**
 * Re-login this long before a token's stated expiry, so a call never starts with a dying
 * token: 5 s, or a tenth of the token's life when tokens are short-lived.
 */
const TOKEN_MARGIN_MS = 5_000;

/**
 * The TotalGest API as this package assumes it (docs/api-assumptions.md). One client
 * per connection: one token, one limiter, one set of keep-alive sockets.
 */
export class TotalGestClient {
  readonly baseUrl: string;
  readonly shopId: string;
  private readonly transport: Transport;
  private readonly limiter: RequestLimiter;
  private readonly policy: RetryPolicy;
  private token: { value: string; expiresAt: number; margin: number } | undefined;
  private loginInFlight: Promise<string> | undefined;
  /** Counts logins; the reliability tests check that each expiry costs one. */
  loginCount = 0;

  constructor(private readonly opts: TotalGestClientOptions) {
    this.baseUrl = normaliseEndpoint(opts.endpoint, opts.allowInsecureHttp);
    this.shopId = opts.shopId;
    this.transport = new Transport(this.baseUrl, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    this.limiter = new RequestLimiter(opts.concurrency ?? DEFAULT_CONCURRENCY, opts.ratePerSecond ?? 0);
    this.policy = { ...defaultRetryPolicy, ...opts.retry };
  }

  private get shopPath(): string {
    return `/shops/${encodeURIComponent(this.shopId)}`;
  }

  /** Logs in and reads the shop: what "Test connection" checks. Not retried, so the answer is quick. */
  async checkConnection(): Promise<Shop> {
    this.token = undefined;
    return this.request(
      { method: 'GET', path: this.shopPath, call: 'GET /shops/{shopId}', schema: shopSchema, auth: true },
      { maxAttempts: 1 },
    );
  }

  getShop(): Promise<Shop> {
    return this.request({
      method: 'GET',
      path: this.shopPath,
      call: 'GET /shops/{shopId}',
      schema: shopSchema,
      auth: true,
    });
  }

  /** One page of the article feed; each item validated on its own. */
  async articlePage(
    query: { updatedSince?: string; after?: string; limit?: number },
    signal?: AbortSignal,
  ): Promise<ArticlePage> {
    const page = await this.request(
      {
        method: 'GET',
        path: `${this.shopPath}/articles`,
        call: 'GET /shops/{shopId}/articles',
        query: { updatedSince: query.updatedSince, after: query.after, limit: query.limit ?? 500 },
        schema: articlePageSchema,
        auth: true,
      },
      {},
      signal,
    );
    const articles: Article[] = [];
    const invalid: InvalidArticle[] = [];
    page.items.forEach((item, index) => {
      // The common case without zod's allocations; zod decides (and words) everything else.
      const fast = fastArticle(item);
      if (fast) return void articles.push(fast);
      const parsed = articleSchema.safeParse(item);
      if (parsed.success) {
        articles.push(parsed.data);
        return;
      }
      const raw = typeof item === 'object' && item !== null ? (item as Record<string, unknown>) : {};
      invalid.push({
        index,
        id: typeof raw.id === 'string' ? raw.id : undefined,
        sku: typeof raw.sku === 'string' ? raw.sku : undefined,
        gone: raw.deleted === true || raw.active === false,
        reason: zodProblems(parsed.error)
          .map((p) => `${p.path}: ${p.message}`)
          .join('; '),
      });
    });
    return { articles, invalid, next: page.next, serverTime: page.serverTime };
  }

  /** The article feed as pages, following the keyset cursor to the end. */
  async *articlePages(
    query: { updatedSince?: string; after?: string; limit?: number } = {},
  ): AsyncGenerator<ArticlePage> {
    let after = query.after;
    for (;;) {
      const page = await this.articlePage({ ...query, after });
      yield page;
      if (page.next === null) return;
      after = page.next;
    }
  }

  /** Creates a sales document. A 409 throws DuplicateError carrying the existing id. */
  createOrder(
    document: OrderDocument,
    idempotencyKey: string,
    policy: Partial<RetryPolicy> = {},
  ): Promise<OrderCreated> {
    return this.request(
      {
        method: 'POST',
        path: `${this.shopPath}/orders`,
        call: 'POST /shops/{shopId}/orders',
        body: document,
        headers: { 'Idempotency-Key': idempotencyKey },
        schema: orderCreatedSchema,
        auth: true,
      },
      policy,
    );
  }

  async findOrderByExternalRef(
    externalRef: string,
    policy: Partial<RetryPolicy> = {},
  ): Promise<OrderSummary | undefined> {
    const res = await this.request(
      {
        method: 'GET',
        path: `${this.shopPath}/orders`,
        call: 'GET /shops/{shopId}/orders',
        query: { externalRef },
        schema: orderLookupSchema,
        auth: true,
      },
      policy,
    );
    return res.items.find((o) => o.externalRef === externalRef);
  }

  close(): void {
    this.transport.close();
  }

  /** `signal` cuts a wait between attempts (Retry-After can be long); a request in flight is let finish. */
  private request<S extends z.ZodType>(
    spec: CallSpec<S>,
    policy: Partial<RetryPolicy> = {},
    signal?: AbortSignal,
  ): Promise<z.infer<S>> {
    return withRetry(() => this.limiter.run(() => this.once(spec)), { ...this.policy, ...policy }, { signal });
  }

  private async once<S extends z.ZodType>(spec: CallSpec<S>): Promise<z.infer<S>> {
    if (!spec.auth) return this.interpret(spec, await this.transport.send(spec));
    let token = await this.currentToken();
    let res = await this.transport.send(withAuth(spec, token));
    if (res.status === 401 && errorCode(res) === 'token_expired') {
      // One fresh login, one repeat: a second token_expired is an error, not a loop.
      this.dropToken(token);
      token = await this.currentToken();
      res = await this.transport.send(withAuth(spec, token));
    }
    return this.interpret(spec, res);
  }

  private currentToken(): Promise<string> {
    if (this.token && this.token.expiresAt - this.token.margin > Date.now()) return Promise.resolve(this.token.value);
    this.loginInFlight ??= this.login().finally(() => {
      this.loginInFlight = undefined;
    });
    return this.loginInFlight;
  }

  private dropToken(value: string): void {
    if (this.token?.value === value) this.token = undefined;
  }

  private async login(): Promise<string> {
    const spec = {
      method: 'POST' as const,
      path: '/auth/login',
      call: 'POST /auth/login',
      body: {
        username: this.opts.username,
        password: this.opts.password,
        shopId: this.opts.shopId,
        ownerId: this.opts.ownerId,
      },
      schema: loginResponseSchema,
      auth: false,
    };
    this.loginCount += 1;
    const res = this.interpret(spec, await this.transport.send(spec));
    const expiresAt = Date.parse(res.expiresAt);
    this.token = {
      value: res.token,
      expiresAt,
      margin: Math.min(TOKEN_MARGIN_MS, Math.max(0, (expiresAt - Date.now()) / 10)),
    };
    return res.token;
  }

  private interpret<S extends z.ZodType>(spec: CallSpec<S>, res: RawResponse): z.infer<S> {
    const { call } = spec;
    if (res.status >= 200 && res.status < 300) {
      if (res.unparsable !== undefined) {
        throw new BadResponseError(
          `${call}: answer is not JSON (starts with ${JSON.stringify(res.unparsable.slice(0, 40))})`,
          { call, status: res.status },
          [],
        );
      }
      const parsed = spec.schema.safeParse(res.body);
      if (!parsed.success) {
        const details = zodProblems(parsed.error);
        throw new BadResponseError(
          `${call}: unexpected answer: ${describeProblems(details)}`,
          { call, status: res.status },
          details,
        );
      }
      return parsed.data;
    }
    throw this.errorFor(call, res);
  }

  private errorFor(call: string, res: RawResponse): ApiError {
    const parsed = errorBodySchema.safeParse(res.body);
    const body = parsed.success ? parsed.data.error : undefined;
    const code = body?.code;
    const text = body?.message ? `: ${body.message}` : '';
    const opts = { call, status: res.status, code };
    const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
    if (retryAfterMs !== undefined && (res.status === 429 || res.status === 503))
      this.limiter.pauseUntil(Date.now() + retryAfterMs);
    switch (res.status) {
      case 401:
        return new AuthError(
          code === 'invalid_credentials'
            ? `${call}: wrong username or password`
            : `${call}: not authorised (${code ?? 'no code'})${text}`,
          opts,
        );
      case 403:
        return new ForbiddenError(
          code === 'shop_forbidden'
            ? `${call}: owner "${this.opts.ownerId}" may not use shop "${this.shopId}"`
            : `${call}: forbidden (${code ?? 'no code'})${text}`,
          opts,
        );
      case 404:
        return new NotFoundError(
          code === 'shop_not_found'
            ? `${call}: shop "${this.shopId}" not found`
            : `${call}: not found (${code ?? 'no code'})${text}`,
          opts,
        );
      case 409:
        return new DuplicateError(
          `${call}: already exists (${code ?? 'conflict'})${body?.existingId ? ` as ${body.existingId}` : ''}`,
          opts,
          body?.existingId,
        );
      case 422:
        return new ValidationError(
          `${call}: rejected (${code ?? 'validation_failed'})${text}`,
          opts,
          body?.details ?? [],
        );
      case 429:
        return new RateLimitedError(
          `${call}: rate limited${retryAfterMs !== undefined ? `, retry after ${retryAfterMs} ms` : ''}`,
          opts,
          retryAfterMs,
        );
      default:
        if (res.status >= 500 || res.status === 408) {
          return new TransientError(
            `${call}: server error ${res.status}${code ? ` (${code})` : ''}`,
            opts,
            'server_error',
            retryAfterMs,
          );
        }
        return new ApiError(`${call}: HTTP ${res.status}${code ? ` (${code})` : ''}${text}`, opts);
    }
  }
}

function withAuth(req: TransportRequest, token: string): TransportRequest {
  return { ...req, headers: { ...req.headers, Authorization: `Bearer ${token}` } };
}

function errorCode(res: RawResponse): string | undefined {
  const parsed = errorBodySchema.safeParse(res.body);
  return parsed.success ? parsed.data.error.code : undefined;
}
