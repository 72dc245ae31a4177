import { summaryData, type ExportReport } from '../engine/export-report';
import type { SendResult } from '../core/order-lifecycle';
import type { NodeTexts } from './i18n';

/**
 * An export report's summary in the runtime's language, from the counts the engine gives
 * (`summaryData`); the failure reasons stay as the engine words them (field names, API errors).
 * `t`: the shared texts (totalgest-config's catalogue, section `runtime.report`).
 */
export function reportSummary(t: NodeTexts, report: ExportReport): string {
  const d = summaryData(report);
  const parts = d.counts.map((c) => t(`report.${c.what}`, { n: c.n }));
  if (d.wouldExport) parts.unshift(t('report.wouldExport', { n: d.wouldExport }));
  if (parts.length === 0) parts.push(t('report.nothing'));
  const shown = d.failures.map((f) => `${f.orderId}: ${f.reason ?? t('report.failedReason')}`);
  if (d.more) shown.push(t('report.more', { n: d.more }));
  const head = t(d.total === 1 ? 'report.orders.one' : 'report.orders.other', { n: d.total });
  return `${head}: ${parts.join(', ')}${shown.length ? ` — ${shown.join('; ')}` : ''}`;
}

/** The report with its summary in the runtime's language (a copy: the status API keeps its own). */
export function localisedReport(t: NodeTexts, report: ExportReport): ExportReport {
  return { ...report, summary: reportSummary(t, report) };
}

/**
 * The last send for a push node's status: `ok` and its words. TotalGest numbers and API error
 * texts stay as they are; what the worker adds (existing, withdrawn, stopped, a conflict) is worded here.
 */
export function lastSendText(t: NodeTexts, ref: string, r: SendResult): { ok: boolean; text: string } {
  switch (r.kind) {
    case 'created':
      return { ok: true, text: `${ref} → ${r.number}` };
    case 'exists':
      return { ok: true, text: t('last.existing', { ref, number: r.number }) };
    case 'absent':
      return { ok: true, text: t('last.withdrawn', { ref }) };
    case 'final':
      return { ok: false, text: `${ref}: ${r.message}` };
    case 'retry':
      return { ok: false, text: r.conflict ? t('last.conflict', { ref, code: r.conflict }) : `${ref}: ${r.message}` };
    case 'abandoned':
      return { ok: false, text: t('last.stopped', { ref }) };
  }
}
