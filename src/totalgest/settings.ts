import { z } from 'zod';
import { ConfigError } from '../http/errors';
import { DEFAULT_CONCURRENCY } from '../http/limiter';
import { DEFAULT_TIMEOUT_MS } from '../http/transport';
import { formatPath, wholeNumber } from '../core/schema-primitives';
import type { TotalGestClientOptions } from './client';
import { normaliseEndpoint } from './endpoint';

const required = (label: string) =>
  z
    .string({ error: `${label} is required` })
    .trim()
    .min(1, `${label} is required`);

/** The totalgest-config node's fields and credentials, as the editor stores them. */
export const totalgestSettingsSchema = z.object({
  endpoint: z.string({ error: 'API endpoint is required' }),
  shopId: required('Shop-ID'),
  ownerId: required('Owner-ID'),
  username: required('Username'),
  password: z.string({ error: 'Password is required' }).min(1, 'Password is required'),
  timeout: wholeNumber('Timeout (s)', 1, 300, DEFAULT_TIMEOUT_MS / 1000),
  concurrency: wholeNumber('Concurrency', 1, 32, DEFAULT_CONCURRENCY),
  rateLimit: wholeNumber('Rate limit (requests/s)', 0, 1000, 0),
  allowInsecureHttp: z.preprocess((v) => v === true || v === 'true', z.boolean()),
});

/** Node config + credentials → client options, or a ConfigError naming the field. */
export function toClientOptions(input: Record<string, unknown>): TotalGestClientOptions {
  const parsed = totalgestSettingsSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(issue.message, formatPath(issue.path));
  }
  const s = parsed.data;
  // Validates and normalises the endpoint now, so a bad one is reported before any request.
  normaliseEndpoint(s.endpoint, s.allowInsecureHttp);
  return {
    endpoint: s.endpoint,
    shopId: s.shopId,
    ownerId: s.ownerId,
    username: s.username,
    password: s.password,
    allowInsecureHttp: s.allowInsecureHttp,
    timeoutMs: s.timeout * 1000,
    concurrency: s.concurrency,
    ratePerSecond: s.rateLimit,
  };
}

/** The connection's outbox fields: how long an order is retried, how long webhook delivery ids are kept. */
export const outboxSettingsSchema = z.object({
  maxAgeHours: wholeNumber('Give up after (hours)', 1, 8760, 72),
  deliveryDays: wholeNumber('Remember webhook deliveries (days)', 1, 365, 7),
});

export function toOutboxOptions(input: Record<string, unknown>): {
  timing: { maxAgeMs: number };
  deliveryRetentionMs: number;
} {
  const parsed = outboxSettingsSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(issue.message, formatPath(issue.path));
  }
  return {
    timing: { maxAgeMs: parsed.data.maxAgeHours * 3_600_000 },
    deliveryRetentionMs: parsed.data.deliveryDays * 86_400_000,
  };
}
