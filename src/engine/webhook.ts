import { describeProblems, zodProblems } from '../core/schema-primitives';
import { webhookSchema } from '../framework360/schemas';
import { DELIVERY_HEADER, SIGNATURE_HEADER, verifySignature } from '../framework360/signature';
import type { SubmitResult } from './order-exporter';

/** A Framework360 webhook as `http in` hands it over: authenticated, read, and answered with an HTTP status. */

export type Headers = Record<string, string | string[] | undefined>;

export type WebhookRead =
  | { ok: true; order: unknown; deliveryId: string | undefined; event: string; sentAt: number | undefined }
  | { ok: false; status: 400 | 401 | 500; message: string };

/**
 * How a webhook is authenticated. `secret` empty with `acceptUnsigned` off cannot verify
 * anything: the request is refused (fail closed) with `problem` as the cause.
 */
export interface WebhookAuth {
  secret: string;
  /** The node's "accept unsigned webhooks (testing only)" option. */
  acceptUnsigned: boolean;
  /** Why no secret is available (no connection selected, credentials unreadable…). */
  problem?: string;
}

function header(headers: Headers, name: string): string | undefined {
  const v = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * A webhook request as `http in` hands it over → the order it carries. The HMAC over the raw
 * body must match the secret ("skip body parsing" on). Without a secret nothing is accepted,
 * unless unsigned webhooks are explicitly allowed; a signature that is given is always checked.
 */
export function readWebhook(body: unknown, headers: Headers, auth: WebhookAuth): WebhookRead {
  const raw = Buffer.isBuffer(body) ? body : typeof body === 'string' ? Buffer.from(body, 'utf8') : undefined;
  const signature = header(headers, SIGNATURE_HEADER);
  if (!auth.secret && !auth.acceptUnsigned) {
    return {
      ok: false,
      status: 500,
      message: `webhook refused: the signature cannot be checked: ${auth.problem ?? 'the Framework360 connection has no webhook secret'}`,
    };
  }
  if (auth.secret && (signature || !auth.acceptUnsigned)) {
    if (!raw) {
      return {
        ok: false,
        status: 400,
        message:
          'webhook body was already parsed: enable "skip body parsing" on the http in node so the signature can be checked over the raw body',
      };
    }
    if (!signature) return { ok: false, status: 401, message: 'webhook refused: X-Fw360-Signature header is missing' };
    if (!verifySignature(auth.secret, raw, signature))
      return { ok: false, status: 401, message: 'webhook refused: X-Fw360-Signature does not match the body' };
  } else if (signature) {
    // Accepting unsigned requests without a secret: a signature cannot be verified, so it proves nothing.
    return {
      ok: false,
      status: 401,
      message:
        'webhook refused: X-Fw360-Signature is given but the Framework360 connection has no webhook secret to check it',
    };
  }
  let parsed: unknown = body;
  if (raw) {
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      return { ok: false, status: 400, message: 'webhook body is not valid JSON' };
    }
  }
  const env = webhookSchema.safeParse(parsed);
  if (!env.success)
    return {
      ok: false,
      status: 400,
      message: `webhook body is not a Framework360 event: ${describeProblems(zodProblems(env.error))}`,
    };
  if (env.data.data === undefined || env.data.data === null)
    return { ok: false, status: 400, message: 'webhook body: data: the order is missing' };
  const sentAt = env.data.sentAt === undefined ? undefined : Date.parse(env.data.sentAt);
  return {
    ok: true,
    order: env.data.data,
    deliveryId: header(headers, DELIVERY_HEADER),
    event: env.data.event,
    sentAt,
  };
}

/** What the `http response` answers for one submitted order: 2xx whenever the order is recorded. */
export function httpStatusFor(result: SubmitResult): number {
  switch (result.outcome) {
    case 'queued':
    case 'already_queued':
    case 'already_linked':
    case 'deferred':
    case 'needs_review':
      return 202;
    case 'skipped':
    case 'withdrawn':
    case 'stale':
    case 'dry_run':
      return 200;
    default:
      return 422;
  }
}
