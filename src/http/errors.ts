import { describeProblems, type FieldProblem } from '../core/schema-primitives';
/**
 * Typed errors of both API clients. `kind` is what callers branch on; `retryable`
 * tells the retry loop and the outbox whether the same request may be sent again.
 */
export type ErrorKind =
  | 'auth'
  | 'forbidden'
  | 'not_found'
  | 'validation'
  | 'duplicate'
  | 'rate_limited'
  | 'transient'
  | 'bad_response'
  | 'remote';

/** Why a request never got an answer; shown by Test connection. */
export type NetworkCause = 'unreachable' | 'tls' | 'timeout' | 'reset' | 'server_error';

/** A field and what is wrong with it: the one shape every layer reports. */
export type FieldDetail = FieldProblem;

export class ApiError extends Error {
  readonly kind: ErrorKind = 'remote';
  readonly retryable: boolean = false;
  /** The API call, e.g. "POST /shops/{shopId}/orders". */
  readonly call: string;
  readonly status: number | undefined;
  readonly code: string | undefined;

  // No `cause`: a library error (axios) holds the request config — password, token, API key —
  // and Node-RED copies `cause` into msg.error for Catch nodes. Our message says what happened.
  constructor(message: string, opts: { call: string; status?: number; code?: string }) {
    super(message);
    this.name = new.target.name;
    this.call = opts.call;
    this.status = opts.status;
    this.code = opts.code;
  }

  /** Plain fields only, for JSON.stringify(msg.error) in a function node. */
  toJSON(): Record<string, unknown> {
    // The own fields (kind, call, status, code, details…) are all plain values.
    return { name: this.name, message: this.message, ...Object.fromEntries(Object.entries(this)) };
  }
}

export class AuthError extends ApiError {
  override readonly kind = 'auth';
}
export class ForbiddenError extends ApiError {
  override readonly kind = 'forbidden';
}
export class NotFoundError extends ApiError {
  override readonly kind = 'not_found';
}
/** A setting that cannot work, found before any request: names the field (for the editor's check) and why. */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends ApiError {
  override readonly kind = 'validation';
  constructor(
    message: string,
    opts: { call: string; status?: number; code?: string },
    readonly details: FieldDetail[],
  ) {
    super(message, opts);
  }
}

export class DuplicateError extends ApiError {
  override readonly kind = 'duplicate';
  constructor(
    message: string,
    opts: { call: string; status?: number; code?: string },
    readonly existingId: string | undefined,
  ) {
    super(message, opts);
  }
}

export class RateLimitedError extends ApiError {
  override readonly kind = 'rate_limited';
  override readonly retryable = true;
  constructor(
    message: string,
    opts: { call: string; status?: number; code?: string },
    readonly retryAfterMs: number | undefined,
  ) {
    super(message, opts);
  }
}

export class TransientError extends ApiError {
  override readonly kind = 'transient';
  override readonly retryable = true;
  constructor(
    message: string,
    opts: { call: string; status?: number; code?: string },
    readonly networkCause: NetworkCause,
    readonly retryAfterMs: number | undefined = undefined,
  ) {
    super(message, opts);
  }
}

/** The server answered something that is not the contract: names the call and the field. */
export class BadResponseError extends ApiError {
  override readonly kind = 'bad_response';
  constructor(
    message: string,
    opts: { call: string; status?: number },
    readonly details: FieldDetail[],
  ) {
    super(message, opts);
  }
}

export function retryAfterOf(err: unknown): number | undefined {
  if (err instanceof RateLimitedError || err instanceof TransientError) return err.retryAfterMs;
  return undefined;
}

export function isRetryable(err: unknown): boolean {
  return err instanceof ApiError && err.retryable;
}

/** One line for status, logs and reports: never contains request bodies or credentials. */
export function errorSummary(err: unknown): string {
  if (err instanceof ValidationError && err.details.length) {
    return `${err.message}: ${describeProblems(err.details)}`;
  }
  return err instanceof Error ? err.message : String(err);
}

/**
 * The cause alone, for a node status where space is short: without the call prefix, and for
 * a rejected document its field details ("lines[0].sku: unknown article").
 */
export function causeText(err: unknown): string {
  if (err instanceof ValidationError && err.details.length) return describeProblems(err.details);
  if (err instanceof ApiError) {
    const prefix = `${err.call}: `;
    const i = err.message.indexOf(prefix);
    return i >= 0 ? err.message.slice(i + prefix.length) : err.message;
  }
  return err instanceof Error ? err.message : String(err);
}
