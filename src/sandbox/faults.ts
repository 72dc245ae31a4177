import type http from 'node:http';
import { json, send, type Middleware, type SandboxRequest } from './http-server';

/**
 * Fault injection for the sandboxes, set through `POST /_sandbox/faults`:
 * - `latencyMs`: added to every answer
 * - `status` with `count` (N requests) or `forSeconds` (a stretch of time), optional
 *   `retryAfter` (seconds), `every` (only each n-th request), `path` (prefix to match)
 * - `hang: true` (with `count`/`forSeconds`): hold requests without answering
 * Paths under `/_sandbox/` are never faulted.
 */
export interface FaultRule {
  status?: number;
  code?: string;
  retryAfter?: number;
  hang?: boolean;
  /** Raw body to answer instead of the error JSON (an HTML page, truncated JSON). */
  rawBody?: string;
  count?: number;
  forSeconds?: number;
  every?: number;
  path?: string;
}

interface ActiveRule extends FaultRule {
  remaining: number | undefined;
  until: number | undefined;
  seen: number;
}

export class FaultInjector {
  latencyMs = 0;
  private rules: ActiveRule[] = [];
  private readonly hung = new Set<http.ServerResponse>();

  configure(body: unknown): { latencyMs: number; rules: number } {
    const b = (body ?? {}) as { latencyMs?: unknown; rules?: unknown } & FaultRule;
    if (typeof b.latencyMs === 'number') this.latencyMs = Math.max(0, b.latencyMs);
    const rules: FaultRule[] = Array.isArray(b.rules)
      ? (b.rules as FaultRule[])
      : b.status !== undefined || b.hang
        ? [b]
        : [];
    for (const r of rules) {
      this.rules.push({
        ...r,
        remaining: typeof r.count === 'number' ? r.count : undefined,
        until: typeof r.forSeconds === 'number' ? Date.now() + r.forSeconds * 1000 : undefined,
        seen: 0,
      });
    }
    return { latencyMs: this.latencyMs, rules: this.rules.length };
  }

  reset(): void {
    this.latencyMs = 0;
    this.rules = [];
    for (const res of this.hung) res.destroy();
    this.hung.clear();
  }

  private pick(req: SandboxRequest): ActiveRule | undefined {
    const now = Date.now();
    this.rules = this.rules.filter(
      (r) => (r.remaining === undefined || r.remaining > 0) && (r.until === undefined || r.until > now),
    );
    for (const r of this.rules) {
      if (r.path && !req.path.includes(r.path)) continue;
      r.seen += 1;
      if (r.every && r.seen % r.every !== 0) continue;
      if (r.remaining !== undefined) r.remaining -= 1;
      return r;
    }
    return undefined;
  }

  readonly middleware: Middleware = async (req, res) => {
    if (req.path.startsWith('/_sandbox/')) return 'next';
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    const rule = this.pick(req);
    if (!rule) return 'next';
    if (rule.hang) {
      this.hung.add(res);
      res.on('close', () => this.hung.delete(res));
      return 'handled';
    }
    const status = rule.status ?? 503;
    const headers: Record<string, string> = {};
    if (rule.retryAfter !== undefined) headers['Retry-After'] = String(rule.retryAfter);
    if (rule.rawBody !== undefined) {
      headers['Content-Type'] = 'text/html';
      res.writeHead(status, headers);
      res.end(rule.rawBody);
      return 'handled';
    }
    send(
      res,
      json(
        status,
        { error: { code: rule.code ?? `injected_${status}`, message: `fault injected by the sandbox (${status})` } },
        headers,
      ),
    );
    return 'handled';
  };
}
