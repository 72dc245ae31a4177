import type { ExportReport } from '../engine/export-report';
import { TOKEN_HEADER } from '../web/status-api';
/**
 * The Framework360 sandbox's own admin lists (orders, products) with the "TotalGest" column the
 * plugin adds in the real shop, filled from this package's status API — server-side, so the
 * page works without scripts.
 */

interface ColumnStatus {
  state: string;
  label: string;
  number: string | null;
  error: string | null;
}

const esc = (s: unknown): string =>
  String(s ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/**
 * Where and how to call the status API. A URL with `user:password@` is for a Node-RED whose HTTP
 * nodes sit behind httpNodeAuth: those go as Basic credentials (fetch refuses them inside a URL),
 * and the token moves to its own header, as the status page does.
 */
function statusCall(
  statusUrl: string,
  token: string | undefined,
  path: string,
): { url: string; headers: Record<string, string> } {
  const url = new URL(`${statusUrl.replace(/\/+$/, '')}/${path}`);
  const headers: Record<string, string> = {};
  if (url.username || url.password) {
    const login = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    headers.Authorization = `Basic ${Buffer.from(login).toString('base64')}`;
    url.username = '';
    url.password = '';
    if (token) headers[TOKEN_HEADER] = token;
  } else if (token) headers.Authorization = `Bearer ${token}`;
  return { url: url.toString(), headers };
}

export async function fetchColumn(
  statusUrl: string | undefined,
  token: string | undefined,
  kind: 'orders' | 'products',
  ids: string[],
): Promise<Record<string, ColumnStatus> | string> {
  if (!statusUrl) return 'status API not configured';
  if (ids.length === 0) return {};
  try {
    const param = kind === 'orders' ? 'ids' : 'skus';
    const { url, headers } = statusCall(statusUrl, token, `${kind}?${param}=${ids.map(encodeURIComponent).join(',')}`);
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(3000) });
    if (!res.ok) return `status API answered ${res.status}`;
    return (await res.json()) as Record<string, ColumnStatus>;
  } catch (err) {
    // Never echo credentials a URL may carry (user:password@host).
    const text = (err instanceof Error ? err.message : String(err)).replace(/\/\/[^/@\s]*@/g, '//…@');
    return `status API unreachable (${text})`;
  }
}

/** What the status API's export action answers. */
export type ExportReportView = ExportReport;

/**
 * "Send to TotalGest": the selected ids to the status API's export action, from the shop's
 * server with the token it is configured with (the token never reaches the browser).
 */
export async function sendExport(
  statusUrl: string | undefined,
  token: string | undefined,
  ids: string[],
): Promise<ExportReportView | string> {
  if (!statusUrl) return 'status API not configured';
  try {
    const { url, headers } = statusCall(statusUrl, token, 'orders/export');
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify({ ids }),
      signal: AbortSignal.timeout(150_000),
    });
    const body = (await res.json()) as ExportReportView & { error?: string };
    if (!res.ok) return `status API answered ${res.status}: ${body.error ?? ''}`;
    return body;
  } catch (err) {
    // Never echo credentials a URL may carry (user:password@host).
    const text = (err instanceof Error ? err.message : String(err)).replace(/\/\/[^/@\s]*@/g, '//…@');
    return `status API unreachable (${text})`;
  }
}

function reportBox(report: ExportReportView | string): string {
  if (typeof report === 'string')
    return `<section id="tg-report" class="fail"><b>Invio a TotalGest non riuscito</b>: <span class="err">${esc(report)}</span></section>`;
  const counts: Array<[string, string, number]> = [
    ['exported', 'Esportati', report.exported],
    ['alreadyLinked', 'Già collegati', report.alreadyLinked],
    ['queued', 'In coda', report.queued],
    ['skipped', 'Saltati', report.skipped],
    ['failed', 'Non riusciti', report.failed],
  ];
  const failures = report.items.filter((i) => i.outcome === 'failed');
  return `<section id="tg-report"${failures.length ? ' class="fail"' : ''}><b>TotalGest · ${report.total} ordini</b> ${counts
    .map(([key, label, n]) => `<span class="count" data-count="${key}">${label} <b>${n}</b></span>`)
    .join(
      ' ',
    )}${failures.length ? `<ul>${failures.map((f) => `<li class="err" data-id="${esc(f.orderId)}">${esc(f.orderId)}: ${esc(f.reason ?? 'failed')}</li>`).join('')}</ul>` : ''}</section>`;
}

function cell(status: Record<string, ColumnStatus> | string, id: string): string {
  if (typeof status === 'string')
    return `<td class="tg"><span class="badge unknown" title="${esc(status)}">?</span></td>`;
  const s = status[id];
  if (!s) return '<td class="tg"></td>';
  const extra = s.number ? ` <span class="num">${esc(s.number)}</span>` : '';
  const title = s.error ? ` title="${esc(s.error)}"` : '';
  return `<td class="tg"><span class="badge ${esc(s.state)}" data-state="${esc(s.state)}"${title}>${esc(s.label)}</span>${extra}</td>`;
}

export function renderAdminList(opts: {
  title: string;
  kind: 'orders' | 'products';
  headers: string[];
  rows: Array<{ id: string; cells: unknown[] }>;
  status: Record<string, ColumnStatus> | string;
  page: number;
  pages: number;
  /** The answer to "Send to TotalGest", shown above the list. */
  report?: ExportReportView | string;
}): string {
  const orders = opts.kind === 'orders';
  const pick = (id: string): string =>
    orders ? `<td><input type="checkbox" class="pick" name="ids" value="${esc(id)}"></td>` : '';
  const nav = `<nav>${opts.page > 1 ? `<a id="prev" href="?page=${opts.page - 1}">‹</a>` : ''} ${opts.page} / ${opts.pages} ${opts.page < opts.pages ? `<a id="next" href="?page=${opts.page + 1}">›</a>` : ''}</nav>`;
  return `<!doctype html><html lang="it"><head><meta charset="utf-8"><title>${esc(opts.title)} — Framework360 (sandbox)</title>
<style>
 body { font: 14px system-ui, sans-serif; margin: 0; background: #eef0f3; color: #222; }
 header { background: #263238; color: #fff; padding: 10px 18px; } header a { color: #b3e5fc; margin-right: 14px; }
 main { padding: 16px 18px; } table { border-collapse: collapse; width: 100%; background: #fff; }
 th, td { padding: 6px 8px; border-bottom: 1px solid #e3e5e8; text-align: left; } th { background: #f5f6f8; font-size: 12px; }
 .badge { padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; color: #fff; }
 .badge.linked { background: #2e7d32; } .badge.pending { background: #1565c0; } .badge.failed { background: #c62828; } .badge.needs_review { background: #e65100; } .badge.not_linked, .badge.unknown { background: #78808a; }
 .num { color: #555; font-size: 12px; } nav { margin: 10px 0; }
 .actions { margin: 0 0 10px; } .actions button { background: #0277bd; color: #fff; border: 0; border-radius: 4px; padding: 6px 14px; cursor: pointer; }
 #tg-report { background: #fff; border-left: 4px solid #2e7d32; padding: 8px 12px; margin-bottom: 12px; } #tg-report.fail { border-left-color: #c62828; }
 #tg-report .count { margin-left: 12px; } #tg-report ul { margin: 6px 0 0; } .err { color: #b71c1c; }
</style></head><body>
<header><b>Framework360</b> · sandbox admin &nbsp; <a href="/admin/orders">Ordini</a><a href="/admin/products">Prodotti</a></header>
<main><h2>${esc(opts.title)}</h2>
${typeof opts.status === 'string' ? `<p class="warn">TotalGest: ${esc(opts.status)}</p>` : ''}
${opts.report !== undefined ? reportBox(opts.report) : ''}
${orders ? `<form id="tg-export" method="post" action="/admin/orders?page=${opts.page}"><div class="actions"><button id="tg-send" type="submit">Send to TotalGest</button></div>` : ''}
<table id="list"><thead><tr>${orders ? '<th><input type="checkbox" id="pick-all" title="Seleziona tutti"></th>' : ''}${opts.headers.map((h) => `<th>${esc(h)}</th>`).join('')}<th>TotalGest</th></tr></thead><tbody>
${opts.rows.map((r) => `<tr data-id="${esc(r.id)}">${pick(r.id)}${r.cells.map((c) => `<td>${esc(c)}</td>`).join('')}${cell(opts.status, r.id)}</tr>`).join('\n')}
</tbody></table>${orders ? '</form>' : ''}${nav}</main>
${orders ? `<script>document.getElementById('pick-all').addEventListener('change', function (e) { document.querySelectorAll('input.pick').forEach(function (b) { b.checked = e.target.checked; }); });</script>` : ''}
</body></html>`;
}
