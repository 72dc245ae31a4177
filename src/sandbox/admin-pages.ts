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

const esc = (s: unknown): string => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

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
    const res = await fetch(`${statusUrl.replace(/\/+$/, '')}/${kind}?${param}=${ids.map(encodeURIComponent).join(',')}`, {
      headers: token ? { Authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.timeout(3000),
    });
    if (!res.ok) return `status API answered ${res.status}`;
    return (await res.json()) as Record<string, ColumnStatus>;
  } catch (err) {
    return `status API unreachable (${err instanceof Error ? err.message : String(err)})`;
  }
}

function cell(status: Record<string, ColumnStatus> | string, id: string): string {
  if (typeof status === 'string') return `<td class="tg"><span class="badge unknown" title="${esc(status)}">?</span></td>`;
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
}): string {
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
</style></head><body>
<header><b>Framework360</b> · sandbox admin &nbsp; <a href="/admin/orders">Ordini</a><a href="/admin/products">Prodotti</a></header>
<main><h2>${esc(opts.title)}</h2>
${typeof opts.status === 'string' ? `<p class="warn">TotalGest: ${esc(opts.status)}</p>` : ''}
<table id="list"><thead><tr>${opts.headers.map((h) => `<th>${esc(h)}</th>`).join('')}<th>TotalGest</th></tr></thead><tbody>
${opts.rows.map((r) => `<tr data-id="${esc(r.id)}">${r.cells.map((c) => `<td>${esc(c)}</td>`).join('')}${cell(opts.status, r.id)}</tr>`).join('\n')}
</tbody></table>${nav}</main></body></html>`;
}
