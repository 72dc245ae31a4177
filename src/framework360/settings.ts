import { z } from 'zod';
import { ConfigError } from '../http/errors';
import { DEFAULT_CONCURRENCY } from '../http/limiter';
import { DEFAULT_TIMEOUT_MS } from '../http/transport';
import { formatPath } from '../core/schema-primitives';
import { wholeNumber } from '../core/schema-primitives';
import { normaliseSiteUrl, type Framework360ClientOptions } from './client';

export const framework360SettingsSchema = z.object({
  siteUrl: z.string({ error: 'Site URL is required' }),
  apiKey: z.string({ error: 'API key is required' }).min(1, 'API key is required'),
  webhookSecret: z.string().optional(),
  timeout: wholeNumber('Timeout (s)', 1, 300, DEFAULT_TIMEOUT_MS / 1000),
  concurrency: wholeNumber('Concurrency', 1, 32, DEFAULT_CONCURRENCY),
  allowInsecureHttp: z.preprocess((v) => v === true || v === 'true', z.boolean()),
});

export interface Framework360Settings {
  client: Framework360ClientOptions;
  /** Empty when webhooks are not signed. */
  webhookSecret: string;
}

export function toFramework360Settings(input: Record<string, unknown>): Framework360Settings {
  const parsed = framework360SettingsSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(issue.message, formatPath(issue.path));
  }
  const s = parsed.data;
  normaliseSiteUrl(s.siteUrl, s.allowInsecureHttp);
  return {
    client: {
      siteUrl: s.siteUrl,
      apiKey: s.apiKey,
      allowInsecureHttp: s.allowInsecureHttp,
      timeoutMs: s.timeout * 1000,
      concurrency: s.concurrency,
    },
    webhookSecret: s.webhookSecret ?? '',
  };
}
