import { DELIVERY_HEADER, SIGNATURE_HEADER, verifySignature } from '../framework360/signature';
import { webhookSchema } from '../framework360/schemas';
import { describeProblems, zodProblems } from '../core/schema-primitives';
import type { OrderRow } from '../store/order-store';
import type { SubmitResult } from './order-exporter';

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
        message: 'webhook body was already parsed: enable "skip body parsing" on the http in node so the signature can be checked over the raw body',
      };
    }
    if (!signature) return { ok: false, status: 401, message: 'webhook refused: X-Fw360-Signature header is missing' };
    if (!verifySignature(auth.secret, raw, signature)) return { ok: false, status: 401, message: 'webhook refused: X-Fw360-Signature does not match the body' };
  } else if (signature) {
    // Accepting unsigned requests without a secret: a signature cannot be verified, so it proves nothing.
    return { ok: false, status: 401, message: 'webhook refused: X-Fw360-Signature is given but the Framework360 connection has no webhook secret to check it' };
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
  if (!env.success) return { ok: false, status: 400, message: `webhook body is not a Framework360 event: ${describeProblems(zodProblems(env.error))}` };
  if (env.data.data === undefined || env.data.data === null) return { ok: false, status: 400, message: 'webhook body: data: the order is missing' };
  const sentAt = env.data.sentAt === undefined ? undefined : Date.parse(env.data.sentAt);
  return { ok: true, order: env.data.data, deliveryId: header(headers, DELIVERY_HEADER), event: env.data.event, sentAt };
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

export type ItemOutcome = 'exported' | 'already_linked' | 'queued' | 'skipped' | 'failed' | 'would_export';

export interface ReportItem {
  orderId: string;
  outcome: ItemOutcome;
  totalgestId?: string;
  number?: string;
  reason?: string;
}

export interface ExportReport {
  summary: string;
  total: number;
  exported: number;
  alreadyLinked: number;
  queued: number;
  skipped: number;
  failed: number;
  items: ReportItem[];
}

/** The report line of a stored order in a settled state. */
function settledItem(orderId: string, row: OrderRow): ReportItem | undefined {
  const linked = { totalgestId: row.totalgest_id ?? undefined, number: row.number ?? undefined };
  switch (row.state) {
    case 'done':
      return { orderId, outcome: 'exported', ...linked };
    case 'failed':
    case 'dead':
    case 'invalid':
      return { orderId, outcome: 'failed', reason: row.error ?? row.reason ?? row.state };
    case 'needs_review':
      return { orderId, outcome: 'failed', reason: `needs review: ${row.error ?? row.reason ?? ''}` };
    case 'skipped':
      return { orderId, outcome: 'skipped', reason: row.reason ?? undefined };
    default:
      return undefined;
  }
}

/** One submitted order → a report line; `row` is its stored state after waiting, if waited for. */
export function reportItem(result: SubmitResult, row?: OrderRow, waited = false): ReportItem {
  const orderId = result.orderId ?? '(no id)';
  switch (result.outcome) {
    case 'skipped':
    case 'stale':
      return { orderId, outcome: 'skipped', reason: result.reason };
    case 'invalid':
      // The fields alone: the report line already names the order.
      if (!result.problems?.length) return { orderId, outcome: 'failed', reason: result.message ?? result.reason };
      return {
        orderId,
        outcome: 'failed',
        reason: `${result.reason && result.reason !== 'invalid_order' ? `${result.reason}: ` : ''}${describeProblems(result.problems)}`,
      };
    case 'total_mismatch':
      return { orderId, outcome: 'failed', reason: `total_mismatch: computed ${result.computed}, order says ${result.given}` };
    case 'dry_run':
      return { orderId, outcome: 'would_export' };
    case 'already_failed':
      return { orderId, outcome: 'failed', reason: row?.error ?? 'failed before; send "retry" to try again' };
    case 'already_linked':
      return { orderId, outcome: 'already_linked', totalgestId: row?.totalgest_id ?? undefined, number: row?.number ?? undefined };
    case 'needs_review':
      return { orderId, outcome: 'failed', reason: `needs review: ${row?.error ?? result.message ?? ''}` };
    default:
      break;
  }
  // queued, already queued, deferred, withdrawn: where the order stands now.
  const settled = row && (waited || result.outcome === 'withdrawn') ? settledItem(orderId, row) : undefined;
  if (settled) return settled;
  if (result.outcome === 'withdrawn') return { orderId, outcome: 'queued', reason: 'withdrawing: checking that TotalGest holds no earlier attempt' };
  if (!waited || !row) return { orderId, outcome: 'queued' };
  return { orderId, outcome: 'queued', reason: row.error ? `still retrying: ${row.error}` : 'still queued' };
}

export function buildReport(items: ReportItem[]): ExportReport {
  const count = (o: ItemOutcome) => items.filter((i) => i.outcome === o).length;
  const report = {
    total: items.length,
    exported: count('exported'),
    alreadyLinked: count('already_linked'),
    queued: count('queued'),
    skipped: count('skipped'),
    failed: count('failed'),
    items,
  };
  // Only what happened, so the line stays short enough for the debug sidebar (80 characters).
  const parts = [
    [report.exported, 'exported'],
    [report.alreadyLinked, 'already linked'],
    [report.queued, 'queued'],
    [report.skipped, 'skipped'],
    [report.failed, 'failed'],
  ]
    .filter(([n]) => n)
    .map(([n, what]) => `${n} ${what}`);
  const wouldExport = count('would_export');
  if (wouldExport) parts.unshift(`${wouldExport} would be exported (dry run)`);
  if (parts.length === 0) parts.push('nothing to do');
  const failures = items.filter((i) => i.outcome === 'failed').map((i) => `${i.orderId}: ${i.reason ?? 'failed'}`);
  const summary = `${report.total} order${report.total === 1 ? '' : 's'}: ${parts.join(', ')}${failures.length ? ` — ${failures.join('; ')}` : ''}`;
  // The summary first: the debug sidebar previews the first properties of a collapsed object.
  return { summary, ...report };
}
