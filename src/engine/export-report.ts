import { describeProblems } from '../core/schema-primitives';
import type { OrderRow } from '../store/order-store';
import type { SubmitResult } from './order-exporter';

/** The report of an export: one line per order, counts, and a summary a person reads in the debug sidebar. */

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
      return {
        orderId,
        outcome: 'failed',
        reason: `total_mismatch: computed ${result.computed}, order says ${result.given}`,
      };
    case 'dry_run':
      return { orderId, outcome: 'would_export' };
    case 'already_failed':
      return { orderId, outcome: 'failed', reason: row?.error ?? 'failed before; send "retry" to try again' };
    case 'already_linked':
      return {
        orderId,
        outcome: 'already_linked',
        totalgestId: row?.totalgest_id ?? undefined,
        number: row?.number ?? undefined,
      };
    case 'needs_review':
      return { orderId, outcome: 'failed', reason: `needs review: ${row?.error ?? result.message ?? ''}` };
    default:
      break;
  }
  // queued, already queued, deferred, withdrawn: where the order stands now.
  const settled = row && (waited || result.outcome === 'withdrawn') ? settledItem(orderId, row) : undefined;
  if (settled) return settled;
  if (result.outcome === 'withdrawn')
    return { orderId, outcome: 'queued', reason: 'withdrawing: checking that TotalGest holds no earlier attempt' };
  if (!waited || !row) return { orderId, outcome: 'queued' };
  return { orderId, outcome: 'queued', reason: row.error ? `still retrying: ${row.error}` : 'still queued' };
}

/** What a report's summary says, as data: a node words it in the runtime's language. */
export interface SummaryData {
  total: number;
  /** Dry run: orders that would be exported. */
  wouldExport: number;
  /** Only what happened, in this order. */
  counts: Array<{ what: 'exported' | 'alreadyLinked' | 'queued' | 'skipped' | 'failed'; n: number }>;
  /** The first failures by name (their reasons as the engine words them); the rest counted in `more`. */
  failures: Array<{ orderId: string; reason: string | undefined }>;
  more: number;
}

export function summaryData(report: Omit<ExportReport, 'summary'>): SummaryData {
  const counts = (
    [
      { what: 'exported', n: report.exported },
      { what: 'alreadyLinked', n: report.alreadyLinked },
      { what: 'queued', n: report.queued },
      { what: 'skipped', n: report.skipped },
      { what: 'failed', n: report.failed },
    ] as const
  ).filter((c) => c.n > 0);
  const failed = report.items.filter((i) => i.outcome === 'failed');
  return {
    total: report.total,
    wouldExport: report.items.filter((i) => i.outcome === 'would_export').length,
    counts: [...counts],
    // Reasons cut: the line stays short enough for the debug sidebar; every one is in `items`.
    failures: failed.slice(0, 3).map((i) => ({ orderId: i.orderId, reason: i.reason?.slice(0, 120) })),
    more: Math.max(0, failed.length - 3),
  };
}

const ENGLISH = {
  exported: 'exported',
  alreadyLinked: 'already linked',
  queued: 'queued',
  skipped: 'skipped',
  failed: 'failed',
};

/** The summary in English: what the status API answers (its page words the counts itself). */
export function englishSummary(d: SummaryData): string {
  const parts = d.counts.map((c) => `${c.n} ${ENGLISH[c.what]}`);
  if (d.wouldExport) parts.unshift(`${d.wouldExport} would be exported (dry run)`);
  if (parts.length === 0) parts.push('nothing to do');
  const shown = d.failures.map((f) => `${f.orderId}: ${f.reason ?? 'failed'}`);
  if (d.more) shown.push(`${d.more} more in items`);
  return `${d.total} order${d.total === 1 ? '' : 's'}: ${parts.join(', ')}${shown.length ? ` — ${shown.join('; ')}` : ''}`;
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
  // The summary first: the debug sidebar previews the first properties of a collapsed object.
  return { summary: englishSummary(summaryData(report)), ...report };
}
