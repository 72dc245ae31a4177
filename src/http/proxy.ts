import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import { isIP } from 'node:net';
import tls from 'node:tls';

/**
 * Proxies from the environment, as Node-RED's core `http request` node reads them:
 * `http_proxy` / `https_proxy` by the target's scheme (then `all_proxy`), lower case before
 * upper case, and `no_proxy` (comma or space separated; `*` = none; `host` exact, `.host` or
 * `*.host` a suffix; `host:port` only that port).
 */
export type ProxyEnv = Record<string, string | undefined>;

const DEFAULT_PORT: Record<string, number> = { 'http:': 80, 'https:': 443 };

function envValue(env: ProxyEnv, name: string): string | undefined {
  const v = env[name] ?? env[name.toUpperCase()];
  return v && v.trim() !== '' ? v.trim() : undefined;
}

function bypassed(target: URL, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  if (noProxy === '*') return true;
  // URL keeps IPv6 hosts in brackets; entries may have them or not ("[::1]", "[::1]:8080", "::1").
  const host = target.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const port = Number(target.port) || DEFAULT_PORT[target.protocol] || 0;
  return noProxy
    .split(/[,\s]+/)
    .filter(Boolean)
    .some((raw) => {
      const entry = raw.toLowerCase();
      const m =
        /^\[([^\]]+)\](?::(\d+))?$/.exec(entry) ??
        (entry.split(':').length > 2 ? [entry, entry, undefined] : /^(.+?)(?::(\d+))?$/.exec(entry));
      if (!m) return false;
      const [, name = '', entryPort] = m;
      if (entryPort && Number(entryPort) !== port) return false;
      if (!/^[.*]/.test(name)) return host === name;
      const suffix = name.startsWith('*') ? name.slice(1) : name;
      return host.endsWith(suffix);
    });
}

/** The proxy to reach `target` through, or undefined for a direct connection. */
export function proxyFor(target: string, env: ProxyEnv = process.env): URL | undefined {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return undefined;
  }
  const scheme = url.protocol.replace(/:$/, '');
  const raw = envValue(env, `${scheme}_proxy`) ?? envValue(env, 'all_proxy');
  if (!raw || bypassed(url, envValue(env, 'no_proxy'))) return undefined;
  try {
    // As Node-RED does: a proxy without a scheme takes the target's.
    const proxy = new URL(raw.includes('://') ? raw : `${url.protocol}//${raw}`);
    return proxy.protocol === 'http:' || proxy.protocol === 'https:' ? proxy : undefined;
  } catch {
    return undefined;
  }
}

/** `Proxy-Authorization` for credentials in the proxy URL (never logged: errors carry codes only). */
export function proxyAuthorization(proxy: URL): string | undefined {
  if (!proxy.username && !proxy.password) return undefined;
  return `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}`;
}

/**
 * An https agent that reaches every host through an HTTP CONNECT tunnel, then speaks TLS to the
 * host itself (end to end; the proxy sees only the host name). Keep-alive reuses the tunnels.
 */
export class TunnelAgent extends https.Agent {
  constructor(
    private readonly proxy: URL,
    opts: https.AgentOptions,
    /** The request's timeout also bounds the tunnel: a request has no socket to time out until the proxy answers. */
    private readonly connectTimeoutMs: number,
  ) {
    super(opts);
  }

  override createConnection(
    options: http.RequestOptions,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | undefined {
    // Node's agent waits for the callback when nothing is returned; a failed tunnel has no stream.
    const done = (err: Error | null, stream?: Duplex): void => callback?.(err, stream as Duplex);
    const host = options.host ?? options.hostname ?? 'localhost';
    const port = Number(options.port) || 443;
    const authorization = proxyAuthorization(this.proxy);
    const request = (this.proxy.protocol === 'https:' ? https : http).request({
      host: this.proxy.hostname.replace(/^\[|\]$/g, ''),
      port: Number(this.proxy.port) || DEFAULT_PORT[this.proxy.protocol],
      method: 'CONNECT',
      path: `${host}:${port}`,
      headers: { Host: `${host}:${port}`, ...(authorization ? { 'Proxy-Authorization': authorization } : {}) },
      agent: false,
    });
    request.once('connect', (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        // A code like a socket error's, so the transport reports it as a cause (never the proxy URL).
        done(
          Object.assign(new Error(`proxy refused the tunnel: HTTP ${res.statusCode}`), {
            code: `EPROXY_${res.statusCode}`,
          }),
        );
        return;
      }
      const tlsOptions = options as tls.ConnectionOptions;
      // No SNI for an IP address (as Node's own https agent does).
      const servername = tlsOptions.servername ?? (isIP(host) ? undefined : host);
      const secure = tls.connect({ ...tlsOptions, host, port, socket, servername });
      done(null, secure);
    });
    request.setTimeout(this.connectTimeoutMs, () =>
      request.destroy(
        Object.assign(new Error(`proxy did not open the tunnel within ${this.connectTimeoutMs} ms`), {
          code: 'ETIMEDOUT',
        }),
      ),
    );
    request.once('error', (err) => done(err));
    request.end();
    return undefined;
  }
}
