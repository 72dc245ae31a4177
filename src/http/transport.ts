import http from 'node:http';
import https from 'node:https';
import axios, { AxiosError, type AxiosInstance } from 'axios';
import { TransientError, type NetworkCause } from './errors';
import { proxyFor, TunnelAgent } from './proxy';

export interface RawResponse {
  status: number;
  headers: Record<string, string | undefined>;
  /** Parsed JSON, or undefined when the body was empty. */
  body: unknown;
  /** Set when the body was not JSON (an HTML error page, a truncated answer). */
  unparsable?: string;
}

export interface TransportRequest {
  method: 'GET' | 'POST';
  path: string;
  call: string;
  query?: Record<string, string | number | string[] | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  /** Aborts the request (a connection that stops does not wait for an answer it will not use). */
  signal?: AbortSignal;
}

const TLS_CODES = /^(CERT_|ERR_TLS_|ERR_SSL_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|EPROTO$)/;

/** Maps a socket-level failure to the cause a person can act on. */
export function networkCauseOf(code: string | undefined): NetworkCause {
  if (!code) return 'reset';
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') return 'timeout';
  if (TLS_CODES.test(code)) return 'tls';
  if (['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL'].includes(code))
    return 'unreachable';
  return 'reset';
}

const causeText: Record<NetworkCause, string> = {
  unreachable: 'host unreachable',
  tls: 'TLS handshake failed',
  timeout: 'timed out',
  reset: 'connection failed',
  server_error: 'server error',
};

/** A request's timeout when the connection sets none (the config nodes' default: 15 s). */
export const DEFAULT_TIMEOUT_MS = 15_000;

/**
 * The HTTP layer of both clients: one axios instance with keep-alive agents, a timeout on
 * every request, and no status-based throwing — the clients decide what a status means.
 */
export class Transport {
  private readonly axios: AxiosInstance;
  private readonly agents: { http: http.Agent; https: https.Agent };

  constructor(
    readonly baseUrl: string,
    readonly timeoutMs: number,
  ) {
    // http_proxy / https_proxy / no_proxy as the core http request node honours them: https
    // through a CONNECT tunnel (TLS end to end), http as absolute-form requests to the proxy.
    const proxy = proxyFor(baseUrl);
    const agentOptions = { keepAlive: true, maxSockets: 64 };
    this.agents = {
      http: new http.Agent(agentOptions),
      https:
        proxy && baseUrl.startsWith('https:')
          ? new TunnelAgent(proxy, agentOptions, timeoutMs)
          : new https.Agent(agentOptions),
    };
    const plainProxy =
      proxy && baseUrl.startsWith('http:')
        ? {
            protocol: proxy.protocol.replace(/:$/, ''),
            host: proxy.hostname.replace(/^\[|\]$/g, ''),
            port: Number(proxy.port) || (proxy.protocol === 'https:' ? 443 : 80),
            ...(proxy.username || proxy.password
              ? { auth: { username: decodeURIComponent(proxy.username), password: decodeURIComponent(proxy.password) } }
              : {}),
          }
        : false;
    this.axios = axios.create({
      baseURL: baseUrl,
      timeout: timeoutMs,
      httpAgent: this.agents.http,
      httpsAgent: this.agents.https,
      // Never axios' own environment lookup: the choice above is the one documented.
      proxy: plainProxy,
      maxRedirects: 0,
      validateStatus: () => true,
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      maxContentLength: 64 * 1024 * 1024,
      transitional: { clarifyTimeoutError: true, silentJSONParsing: true, forcedJSONParsing: false },
    });
  }

  async send(req: TransportRequest): Promise<RawResponse> {
    let res;
    try {
      res = await this.axios.request<string>({
        method: req.method,
        url: req.path,
        params: req.query,
        paramsSerializer: { indexes: false },
        signal: req.signal,
        data: req.body === undefined ? undefined : JSON.stringify(req.body),
        headers: {
          Accept: 'application/json',
          ...(req.body === undefined ? {} : { 'Content-Type': 'application/json' }),
          ...req.headers,
        },
      });
    } catch (err) {
      // Only the code crosses this line: axios' error carries the request (headers, body with credentials).
      const code = err instanceof AxiosError ? err.code : undefined;
      const cause = networkCauseOf(code);
      throw new TransientError(
        `${req.call}: ${causeText[cause]} (${code ?? 'no code'})`,
        { call: req.call, code },
        cause,
      );
    }
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(res.headers)) headers[k.toLowerCase()] = v == null ? undefined : String(v);
    const text = typeof res.data === 'string' ? res.data : '';
    if (text.trim() === '') return { status: res.status, headers, body: undefined };
    try {
      return { status: res.status, headers, body: JSON.parse(text) as unknown };
    } catch {
      return { status: res.status, headers, body: undefined, unparsable: text.slice(0, 80) };
    }
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}

/** Retry-After in seconds (or an HTTP date) → milliseconds. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
