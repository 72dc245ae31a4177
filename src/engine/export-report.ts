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
  // The first failures by name, the rest counted: every one is in `items`.
  const failed = items.filter((i) => i.outcome === 'failed');
  const shown = failed.slice(0, 3).map((i) => `${i.orderId}: ${(i.reason ?? 'failed').slice(0, 120)}`);
  if (failed.length > shown.length) shown.push(`${failed.length - shown.length} more in items`);
  const summary = `${report.total} order${report.total === 1 ? '' : 's'}: ${parts.join(', ')}${shown.length ? ` — ${shown.join('; ')}` : ''}`;
  // The summary first: the debug sidebar previews the first properties of a collapsed object.
  return { summary, ...report };
}
