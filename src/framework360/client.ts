import type { z } from 'zod';
import { zodProblems, describeProblems } from '../core/schema-primitives';
import { normaliseBaseUrl } from '../http/base-url';
import { ApiError, AuthError, BadResponseError, NotFoundError, TransientError } from '../http/errors';
import { DEFAULT_CONCURRENCY, RequestLimiter } from '../http/limiter';
import { defaultRetryPolicy, withRetry, type RetryPolicy } from '../http/retry';
import { DEFAULT_TIMEOUT_MS, parseRetryAfter, Transport, type TransportRequest } from '../http/transport';
import {
  apiEnvelopeSchema,
  checkDataSchema,
  orderListDataSchema,
  productSavedSchema,
  type Fw360Product,
} from './schemas';

export interface Framework360ClientOptions {
  siteUrl: string;
  apiKey: string;
  allowInsecureHttp?: boolean;
  timeoutMs?: number;
  concurrency?: number;
  retry?: Partial<RetryPolicy>;
}

export interface OrderListQuery {
  /** Framework360 order status ids to include (`statuses[]`). */
  statuses?: string[];
  /** Inclusive window, sent as `daterange=<from ISO>,<to ISO>` (format assumed). */
  from?: string;
  to?: string;
  page: number;
  limit: number;
}

export function normaliseSiteUrl(input: string | undefined, allowInsecureHttp = false): string {
  return normaliseBaseUrl(input, {
    field: 'siteUrl',
    label: 'Site URL',
    defaultPath: '',
    fixedSuffix: '/m/api',
    example: 'shop.example.ch',
    allowInsecureHttp,
  });
}

/**
 * Framework360's REST API (`/m/api/`, key in `X-Fw360-Key`). A 200 is not success: the
 * body's `status` decides, and `{status:0,error}` becomes a typed error.
 */
export class Framework360Client {
  readonly baseUrl: string;
  private readonly transport: Transport;
  private readonly limiter: RequestLimiter;
  private readonly policy: RetryPolicy;

  constructor(private readonly opts: Framework360ClientOptions) {
    this.baseUrl = normaliseSiteUrl(opts.siteUrl, opts.allowInsecureHttp);
    this.transport = new Transport(this.baseUrl, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    this.limiter = new RequestLimiter(opts.concurrency ?? DEFAULT_CONCURRENCY);
    this.policy = { ...defaultRetryPolicy, ...opts.retry };
  }

  checkConnection(): Promise<z.infer<typeof checkDataSchema>> {
    return this.call({ method: 'GET', path: '/check', call: 'check' }, checkDataSchema, { maxAttempts: 1 });
  }

  /** The raw order (validated by the caller, which knows what to do with a bad one). */
  getOrder(id: number | string, signal?: AbortSignal): Promise<unknown> {
    return this.call(
      { method: 'GET', path: '/orders/get', call: 'orders/get', query: { id: String(id) }, signal },
      undefined,
    );
  }

  listOrders(q: OrderListQuery, signal?: AbortSignal): Promise<z.infer<typeof orderListDataSchema>> {
    const query: TransportRequest['query'] = { page: q.page, limit: q.limit };
    // Sent as statuses[]=3&statuses[]=4 (Framework360's PHP-style array parameter).
    if (q.statuses?.length) query.statuses = q.statuses;
    if (q.from || q.to) query.daterange = `${q.from ?? ''},${q.to ?? ''}`;
    return this.call({ method: 'GET', path: '/orders/list', call: 'orders/list', query, signal }, orderListDataSchema);
  }

  /**
   * One products/save attempt, outside the connection's fixed limit and retry loop: the
   * product sync paces its writes itself (adaptive concurrency, Retry-After) and retries.
   */
  saveProductOnce(product: Fw360Product): Promise<z.infer<typeof productSavedSchema>> {
    return this.once(
      { method: 'POST', path: '/products/save', call: 'products/save', body: product },
      productSavedSchema,
    );
  }

  close(): void {
    this.transport.close();
  }

  private call<S extends z.ZodType | undefined>(
    req: TransportRequest,
    schema: S,
    policy: Partial<RetryPolicy> = {},
  ): Promise<S extends z.ZodType ? z.infer<S> : unknown> {
    // The request's signal also cuts a retry's wait (Retry-After can be long).
    return withRetry(
      () => this.limiter.run(() => this.once(req, schema)),
      { ...this.policy, ...policy },
      {
        signal: req.signal,
      },
    );
  }

  private async once<S extends z.ZodType | undefined>(
    req: TransportRequest,
    schema: S,
  ): Promise<S extends z.ZodType ? z.infer<S> : unknown> {
    const { call } = req;
    const res = await this.transport.send({ ...req, headers: { ...req.headers, 'X-Fw360-Key': this.opts.apiKey } });
    if (res.status >= 500 || res.status === 429 || res.status === 408) {
      const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
      if (retryAfterMs !== undefined) this.limiter.pauseUntil(Date.now() + retryAfterMs);
      throw new TransientError(
        `Framework360 ${call}: HTTP ${res.status}`,
        { call, status: res.status },
        'server_error',
        retryAfterMs,
      );
    }
    if (res.status === 401 || res.status === 403)
      throw new AuthError(`Framework360 ${call}: API key refused (HTTP ${res.status})`, { call, status: res.status });
    if (res.unparsable !== undefined) {
      throw new BadResponseError(
        `Framework360 ${call}: answer is not JSON (HTTP ${res.status})`,
        { call, status: res.status },
        [],
      );
    }
    const env = apiEnvelopeSchema.safeParse(res.body);
    if (!env.success) {
      const details = zodProblems(env.error);
      throw new BadResponseError(
        `Framework360 ${call}: unexpected answer (HTTP ${res.status}): expected {status, data|error}`,
        { call, status: res.status },
        details,
      );
    }
    if (env.data.status === 0) {
      const error = env.data.error;
      if (/key|auth|token|permess|unauthori[sz]ed/i.test(error))
        throw new AuthError(`Framework360 ${call}: ${error}`, { call, status: res.status, code: 'status_0' });
      if (/not found|non trovat|inesistent/i.test(error))
        throw new NotFoundError(`Framework360 ${call}: ${error}`, { call, status: res.status, code: 'status_0' });
      throw new ApiError(`Framework360 ${call}: ${error}`, { call, status: res.status, code: 'status_0' });
    }
    if (!schema) return env.data.data as S extends z.ZodType ? z.infer<S> : unknown;
    const parsed = schema.safeParse(env.data.data);
    if (!parsed.success) {
      const details = zodProblems(parsed.error);
      throw new BadResponseError(
        `Framework360 ${call}: unexpected data: ${describeProblems(details)}`,
        { call, status: res.status },
        details,
      );
    }
    return parsed.data as S extends z.ZodType ? z.infer<S> : unknown;
  }
}
