import { ConfigError } from './errors';

function isLoopback(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

export interface BaseUrlRule {
  /** Config field the value came from, named in every error. */
  field: string;
  /** Human label, e.g. "API endpoint". */
  label: string;
  /** Path appended when the user gives no path of their own. */
  defaultPath: string;
  /** Path always appended after the user's (Framework360's /m/api). */
  fixedSuffix?: string;
  example: string;
  allowInsecureHttp?: boolean;
}

/**
 * A host or URL typed by a person → the base URL of an API.
 * Bare host → https; plain http to anything but loopback is refused unless explicitly
 * allowed, because credentials would travel unencrypted.
 */
export function normaliseBaseUrl(input: string | undefined, rule: BaseUrlRule): string {
  const raw = (input ?? '').trim();
  if (!raw) throw new ConfigError(`${rule.label} is empty: enter a host, e.g. ${rule.example}`, rule.field);
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw);
  let url: URL;
  try {
    url = new URL(hasScheme ? raw : `https://${raw}`);
  } catch {
    throw new ConfigError(
      `${rule.label} "${raw.replace(/\/\/[^/@]*@/, '//…@')}" is not a valid host or URL`,
      rule.field,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`${rule.label} must use https:// (got ${url.protocol}//)`, rule.field);
  }
  if (url.username || url.password) {
    // Never repeat what was typed: the part before the @ may be a password, and this message reaches node status and answers.
    throw new ConfigError(
      `${rule.label} must not contain a user name or password (user:password@host): credentials belong in their own fields`,
      rule.field,
    );
  }
  if (!url.hostname || url.search || url.hash) {
    throw new ConfigError(`${rule.label} "${raw}" must be a host or base URL without query or fragment`, rule.field);
  }
  if (url.protocol === 'http:' && !isLoopback(url.hostname) && !rule.allowInsecureHttp) {
    throw new ConfigError(
      `${rule.label} uses plain http:// to ${url.hostname}: refused because credentials would travel unencrypted; use https:// or tick "Allow insecure HTTP"`,
      rule.field,
    );
  }
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.protocol}//${url.host}${path === '' ? rule.defaultPath : path}${rule.fixedSuffix ?? ''}`;
}
