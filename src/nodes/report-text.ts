import { summaryData, type ExportReport } from '../engine/export-report';
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
