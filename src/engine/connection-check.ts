import {
  ApiError,
  AuthError,
  BadResponseError,
  ConfigError,
  ForbiddenError,
  NotFoundError,
  TransientError,
} from '../http/errors';

export type CheckCause =
  | 'invalid_config'
  | 'wrong_credentials'
  | 'owner_forbidden'
  | 'shop_not_found'
  | 'unreachable'
  | 'tls'
  | 'timeout'
  | 'server_error'
  | 'bad_response'
  | 'error';

export type CheckResult =
  | { ok: true; name: string; details: Record<string, string> }
  | { ok: false; cause: CheckCause; message: string; field?: string };

/** Any failure of a connection check → the precise cause a person can act on. */
export function classifyCheckFailure(err: unknown): Extract<CheckResult, { ok: false }> {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof ConfigError) return { ok: false, cause: 'invalid_config', message, field: err.field };
  if (err instanceof AuthError) return { ok: false, cause: 'wrong_credentials', message };
  if (err instanceof ForbiddenError) return { ok: false, cause: 'owner_forbidden', message };
  if (err instanceof NotFoundError) return { ok: false, cause: 'shop_not_found', message };
  if (err instanceof TransientError) {
    const cause = err.networkCause === 'reset' ? 'unreachable' : err.networkCause;
    return { ok: false, cause, message };
  }
  if (err instanceof BadResponseError) return { ok: false, cause: 'bad_response', message };
  if (err instanceof ApiError) return { ok: false, cause: 'error', message };
  return { ok: false, cause: 'error', message };
}
