import type { Lang } from '../core/status-labels';
import { STATE_LABELS } from '../core/status-labels';

const TEXT: Record<Lang, Record<string, string>> = {
  en: {
    title: 'TotalGest link status',
    products: 'Products',
    orders: 'Orders',
    queue: 'Queued',
    oldest: 'Oldest pending',
    lastSync: 'Last product sync',
    lastRecon: 'Last reconciliation',
    lastError: 'Last error',
    search: 'Search id or SKU',
    all: 'All states',
    id: 'Id',
    sku: 'SKU',
    state: 'State',
    number: 'TotalGest',
    when: 'Last sync',
    detail: 'Error / reason',
    retry: 'Retry',
    prev: '‹ Previous',
    next: 'Next ›',
    of: 'of',
    token: 'Access token',
    save: 'Use',
    none: 'none',
    never: 'never',
    updated: 'Updated',
    empty: 'Nothing to show',
  },
  de: {
    title: 'TotalGest-Verknüpfungsstatus',
    products: 'Produkte',
    orders: 'Bestellungen',
    queue: 'In Warteschlange',
    oldest: 'Älteste ausstehende',
    lastSync: 'Letzter Produktabgleich',
    lastRecon: 'Letzter Abgleich der Bestellungen',
    lastError: 'Letzter Fehler',
    search: 'Id oder SKU suchen',
    all: 'Alle Status',
    id: 'Id',
    sku: 'SKU',
    state: 'Status',
    number: 'TotalGest',
    when: 'Zuletzt',
    detail: 'Fehler / Grund',
    retry: 'Erneut senden',
    prev: '‹ Zurück',
    next: 'Weiter ›',
    of: 'von',
    token: 'Zugriffstoken',
    save: 'Verwenden',
    none: 'keiner',
    never: 'nie',
    updated: 'Aktualisiert',
    empty: 'Nichts anzuzeigen',
  },
  it: {
    title: 'Stato dei collegamenti TotalGest',
    products: 'Prodotti',
    orders: 'Ordini',
    queue: 'In coda',
    oldest: 'Più vecchio in attesa',
    lastSync: 'Ultima sincronizzazione prodotti',
    lastRecon: 'Ultima riconciliazione ordini',
    lastError: 'Ultimo errore',
    search: 'Cerca id o SKU',
    all: 'Tutti gli stati',
    id: 'Id',
    sku: 'SKU',
    state: 'Stato',
    number: 'TotalGest',
    when: 'Ultima sincronizzazione',
    detail: 'Errore / motivo',
    retry: 'Riprova',
    prev: '‹ Precedente',
    next: 'Successiva ›',
    of: 'di',
    token: 'Token di accesso',
    save: 'Usa',
    none: 'nessuno',
    never: 'mai',
    updated: 'Aggiornato',
    empty: 'Niente da mostrare',
  },
};

/**
 * The live status page: one HTML document, no external assets, that reads the status API
 * next to it (relative URLs) and refreshes itself every few seconds without a reload.
 */
export function renderStatusPage(opts: { lang: Lang; tokenRequired: boolean }): string {
  const t = TEXT[opts.lang];
  const labels = STATE_LABELS[opts.lang];
  const config = JSON.stringify({ t, labels, tokenRequired: opts.tokenRequired, lang: opts.lang }).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="${opts.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${t.title}</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #222; background: #f6f7f9; }
  header { background: #1f4e79; color: #fff; padding: 12px 20px; }
  h1 { font-size: 18px; margin: 0; }
  main { padding: 16px 20px; }
  .cards { display: flex; flex-wrap: wrap; gap: 10px; margin-bottom: 16px; }
  .card { background: #fff; border: 1px solid #dde; border-radius: 6px; padding: 8px 12px; min-width: 150px; }
  .card b { display: block; font-size: 12px; color: #667; font-weight: 600; }
  .card span { font-size: 15px; }
  .tabs button { border: 1px solid #bbc; background: #fff; padding: 6px 14px; cursor: pointer; border-radius: 4px 4px 0 0; }
  .tabs button[aria-selected="true"] { background: #1f4e79; color: #fff; }
  .controls { display: flex; gap: 8px; align-items: center; margin: 10px 0; flex-wrap: wrap; }
  input, select { padding: 5px 8px; border: 1px solid #bbc; border-radius: 4px; }
  table { width: 100%; border-collapse: collapse; background: #fff; }
  th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #eee; vertical-align: top; }
  th { background: #eef1f5; font-size: 12px; }
  .badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; color: #fff; white-space: nowrap; }
  .badge.linked { background: #2e7d32; } .badge.pending { background: #1565c0; } .badge.failed { background: #c62828; } .badge.needs_review { background: #e65100; } .badge.not_linked { background: #78808a; }
  .error { color: #b71c1c; max-width: 560px; word-break: break-word; }
  .muted { color: #778; }
  button.retry { border: 1px solid #c62828; color: #c62828; background: #fff; border-radius: 4px; cursor: pointer; }
  #token-row { display: none; margin-bottom: 12px; }
</style>
</head>
<body>
<header><h1>${t.title}</h1></header>
<main>
  <div id="token-row"><label>${t.token} <input id="token" type="password" autocomplete="off"></label> <button id="token-save">${t.save}</button></div>
  <section class="cards" id="summary" aria-live="polite"></section>
  <nav class="tabs" role="tablist">
    <button role="tab" id="tab-orders" aria-selected="true" data-kind="orders">${t.orders}</button>
    <button role="tab" id="tab-products" aria-selected="false" data-kind="products">${t.products}</button>
  </nav>
  <div class="controls">
    <input id="search" type="search" placeholder="${t.search}">
    <select id="state"><option value="">${t.all}</option>${(['linked', 'pending', 'failed', 'needs_review', 'not_linked'] as const).map((s) => `<option value="${s}">${labels[s]}</option>`).join('')}</select>
    <button id="prev">${t.prev}</button> <span id="range" class="muted"></span> <button id="next">${t.next}</button>
    <span id="updated" class="muted"></span>
  </div>
  <table><thead><tr><th id="col-id">${t.id}</th><th>${t.state}</th><th>${t.number}</th><th>${t.when}</th><th>${t.detail}</th><th></th></tr></thead><tbody id="rows"></tbody></table>
</main>
<script>
(function () {
  var C = ${config};
  var T = C.t;
  var view = { kind: 'orders', state: '', q: '', offset: 0, limit: 50, total: 0 };
  var $ = function (id) { return document.getElementById(id); };
  // One token per page path (two tg-status nodes may have different tokens); gone when the tab closes.
  var KEY = 'totalgest-status-token:' + location.pathname;
  function token() { return sessionStorage.getItem(KEY) || ''; }
  function api(path, method) {
    var headers = { Accept: 'application/json' };
    // Not Authorization: that header may carry httpNodeAuth's Basic credentials, which the browser adds itself.
    if (token()) headers['X-TotalGest-Token'] = token();
    return fetch(path + (path.indexOf('?') < 0 ? '?' : '&') + 'lang=' + C.lang, { method: method || 'GET', headers: headers }).then(function (r) {
      if (r.status === 401) { $('token-row').style.display = 'block'; throw new Error('token'); }
      return r.json().then(function (b) { if (!r.ok) throw new Error(b.error || r.status); return b; });
    });
  }
  function esc(s) { return String(s == null ? '' : s).replace(/[&<>"']/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]; }); }
  function when(iso) { return iso ? new Date(iso).toLocaleString() : T.never; }
  function age(ms) { if (ms == null) return T.none; var s = Math.round(ms / 1000); return s < 120 ? s + ' s' : Math.round(s / 60) + ' min'; }
  function card(title, value, id) { return '<div class="card"' + (id ? ' id="' + id + '"' : '') + '><b>' + esc(title) + '</b><span>' + value + '</span></div>'; }
  function counts(c, withPending) {
    var out = '<span class="badge linked">' + c.linked + '</span> ';
    if (withPending) out += '<span class="badge pending">' + c.pending + '</span> ';
    out += '<span class="badge failed">' + c.failed + '</span>';
    if (withPending && c.needs_review) out += ' <span class="badge needs_review">' + c.needs_review + '</span>';
    if (withPending) out += ' <span class="badge not_linked">' + c.not_linked + '</span>';
    return out;
  }
  function loadSummary() {
    return api('summary').then(function (s) {
      var rec = s.lastReconciliation;
      $('summary').innerHTML =
        card(T.orders, counts(s.orders, true), 'sum-orders') +
        card(T.products, counts(s.products, false), 'sum-products') +
        card(T.queue, String(s.queueDepth), 'sum-queue') +
        card(T.oldest, age(s.oldestPendingAgeMs)) +
        card(T.lastSync, esc(when(s.lastProductSync))) +
        card(T.lastRecon, rec ? esc(when(rec.finishedAt)) + ' · ' + esc(rec.enqueued) + ' ↑' : esc(T.never)) +
        card(T.lastError, s.lastError ? '<span class="error">' + esc(s.lastError.item + ': ' + s.lastError.error) + '</span>' : esc(T.none), 'sum-error');
    });
  }
  function loadRows() {
    var q = 'list/' + view.kind + '?offset=' + view.offset + '&limit=' + view.limit + (view.state ? '&state=' + view.state : '') + (view.q ? '&q=' + encodeURIComponent(view.q) : '');
    return api(q).then(function (r) {
      view.total = r.total;
      $('col-id').textContent = view.kind === 'orders' ? T.id : T.sku;
      $('rows').innerHTML = r.items.length ? r.items.map(function (it) {
        var detail = it.error ? '<span class="error">' + esc(it.error) + '</span>' : it.reason ? '<span class="muted">' + esc(it.reason) + '</span>' : '';
        var action = view.kind === 'orders' && it.state === 'failed' ? '<button class="retry" data-id="' + esc(it.id) + '">' + esc(T.retry) + '</button>' : '';
        return '<tr data-id="' + esc(it.id) + '"><td>' + esc(it.id) + '</td><td><span class="badge ' + it.state + '" data-state="' + it.state + '">' + esc(it.label) + '</span></td><td>' + esc(it.number || '') + '</td><td class="muted">' + esc(it.lastSync ? when(it.lastSync) : '') + '</td><td>' + detail + '</td><td>' + action + '</td></tr>';
      }).join('') : '<tr><td colspan="6" class="muted">' + esc(T.empty) + '</td></tr>';
      var end = Math.min(view.offset + view.limit, view.total);
      $('range').textContent = (view.total ? view.offset + 1 : 0) + '–' + end + ' ' + T.of + ' ' + view.total.toLocaleString();
      $('prev').disabled = view.offset === 0;
      $('next').disabled = end >= view.total;
      $('updated').textContent = T.updated + ' ' + new Date().toLocaleTimeString();
    });
  }
  function refresh() { return Promise.all([loadSummary(), loadRows()]).catch(function () {}); }
  document.querySelectorAll('.tabs button').forEach(function (b) {
    b.addEventListener('click', function () {
      document.querySelectorAll('.tabs button').forEach(function (x) { x.setAttribute('aria-selected', String(x === b)); });
      view.kind = b.getAttribute('data-kind'); view.offset = 0; refresh();
    });
  });
  var typing;
  $('search').addEventListener('input', function () { clearTimeout(typing); typing = setTimeout(function () { view.q = $('search').value.trim(); view.offset = 0; refresh(); }, 250); });
  $('state').addEventListener('change', function () { view.state = $('state').value; view.offset = 0; refresh(); });
  $('prev').addEventListener('click', function () { view.offset = Math.max(0, view.offset - view.limit); refresh(); });
  $('next').addEventListener('click', function () { view.offset += view.limit; refresh(); });
  $('rows').addEventListener('click', function (e) {
    var b = e.target.closest('button.retry');
    if (!b) return;
    b.disabled = true;
    api('orders/' + encodeURIComponent(b.getAttribute('data-id')) + '/retry', 'POST').then(refresh, refresh);
  });
  $('token-save').addEventListener('click', function () { sessionStorage.setItem(KEY, $('token').value.trim()); $('token-row').style.display = 'none'; refresh(); });
  if (C.tokenRequired && !token()) $('token-row').style.display = 'block';
  refresh();
  setInterval(refresh, 3000);
})();
</script>
</body>
</html>`;
}
