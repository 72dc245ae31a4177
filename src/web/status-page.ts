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
    select: 'Select',
    selectAll: 'Select all on this page',
    exportNow: 'Export selected now',
    dryRun: 'Dry run',
    exporting: 'Exporting…',
    selected: 'selected',
    report: 'Export report',
    reportDry: 'Dry run: nothing was sent',
    exported: 'Exported',
    alreadyLinked: 'Already linked',
    queued: 'Queued',
    skipped: 'Skipped',
    failed: 'Failed',
    wouldExport: 'Would be exported',
    close: 'Close',
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
    select: 'Auswählen',
    selectAll: 'Alle auf dieser Seite auswählen',
    exportNow: 'Auswahl jetzt exportieren',
    dryRun: 'Probelauf',
    exporting: 'Wird exportiert…',
    selected: 'ausgewählt',
    report: 'Exportbericht',
    reportDry: 'Probelauf: nichts wurde gesendet',
    exported: 'Exportiert',
    alreadyLinked: 'Schon verbunden',
    queued: 'In Warteschlange',
    skipped: 'Übersprungen',
    failed: 'Fehlgeschlagen',
    wouldExport: 'Würde exportiert',
    close: 'Schließen',
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
    select: 'Seleziona',
    selectAll: 'Seleziona tutti in questa pagina',
    exportNow: 'Esporta selezionati ora',
    dryRun: 'Prova',
    exporting: 'Esportazione…',
    selected: 'selezionati',
    report: 'Report di export',
    reportDry: 'Prova: non è stato inviato nulla',
    exported: 'Esportati',
    alreadyLinked: 'Già collegati',
    queued: 'In coda',
    skipped: 'Saltati',
    failed: 'Non riusciti',
    wouldExport: 'Sarebbero esportati',
    close: 'Chiudi',
  },
};

/**
 * The live status page: one HTML document, no external assets, that reads the status API
 * next to it (relative URLs) and refreshes itself every few seconds without a reload.
 */
export function renderStatusPage(opts: { lang: Lang; tokenRequired: boolean }): string {
  const t = TEXT[opts.lang];
  const labels = STATE_LABELS[opts.lang];
  const config = JSON.stringify({ t, labels, tokenRequired: opts.tokenRequired, lang: opts.lang }).replace(
    /</g,
    '\\u003c',
  );
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
  #export-bar { display: flex; gap: 10px; align-items: center; margin: 6px 0 10px; flex-wrap: wrap; }
  #export-now { background: #1f4e79; color: #fff; border: 0; border-radius: 4px; padding: 6px 14px; cursor: pointer; }
  #export-now:disabled { background: #9aa7b4; cursor: default; }
  #report { background: #fff; border: 1px solid #dde; border-left: 4px solid #1f4e79; border-radius: 6px; padding: 8px 12px; margin-bottom: 12px; }
  #report.has-failures { border-left-color: #c62828; }
  #report h2 { font-size: 15px; margin: 0 0 6px; } #report ul { margin: 6px 0 0; padding-left: 18px; }
  #report .count { margin-right: 14px; } #report .count b { font-size: 16px; }
  #report-close { float: right; border: 0; background: none; cursor: pointer; font-size: 16px; color: #667; }
  td.pick, th.pick { width: 24px; }
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
  <div id="export-bar">
    <label><input type="checkbox" id="select-all"> ${t.selectAll}</label>
    <button id="export-now" disabled>${t.exportNow}</button>
    <label><input type="checkbox" id="dry-run"> ${t.dryRun}</label>
    <span id="selected-count" class="muted"></span>
  </div>
  <section id="report" hidden aria-live="polite"></section>
  <table><thead><tr><th class="pick"></th><th id="col-id">${t.id}</th><th>${t.state}</th><th>${t.number}</th><th>${t.when}</th><th>${t.detail}</th><th></th></tr></thead><tbody id="rows"></tbody></table>
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
  function api(path, method, body) {
    var headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    // Not Authorization: that header may carry httpNodeAuth's Basic credentials, which the browser adds itself.
    if (token()) headers['X-TotalGest-Token'] = token();
    return fetch(path + (path.indexOf('?') < 0 ? '?' : '&') + 'lang=' + C.lang, { method: method || 'GET', headers: headers, body: body === undefined ? undefined : JSON.stringify(body) }).then(function (r) {
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
        var pick = view.kind === 'orders' ? '<input type="checkbox" class="pick" aria-label="' + esc(T.select + ' ' + it.id) + '" data-id="' + esc(it.id) + '"' + (selected.has(String(it.id)) ? ' checked' : '') + '>' : '';
        return '<tr data-id="' + esc(it.id) + '"><td class="pick">' + pick + '</td><td>' + esc(it.id) + '</td><td><span class="badge ' + it.state + '" data-state="' + it.state + '">' + esc(it.label) + '</span></td><td>' + esc(it.number || '') + '</td><td class="muted">' + esc(it.lastSync ? when(it.lastSync) : '') + '</td><td>' + detail + '</td><td>' + action + '</td></tr>';
      }).join('') : '<tr><td colspan="7" class="muted">' + esc(T.empty) + '</td></tr>';
      var end = Math.min(view.offset + view.limit, view.total);
      $('range').textContent = (view.total ? view.offset + 1 : 0) + '–' + end + ' ' + T.of + ' ' + view.total.toLocaleString();
      $('prev').disabled = view.offset === 0;
      $('next').disabled = end >= view.total;
      $('updated').textContent = T.updated + ' ' + new Date().toLocaleTimeString();
      pageIds = view.kind === 'orders' ? r.items.map(function (it) { return String(it.id); }) : [];
      showSelection();
    });
  }
  // The selection survives the refreshes (rows are redrawn every few seconds) and page changes.
  var selected = new Set();
  var pageIds = [];
  var exporting = false;
  function showSelection() {
    $('export-bar').style.display = view.kind === 'orders' ? 'flex' : 'none';
    $('select-all').checked = pageIds.length > 0 && pageIds.every(function (id) { return selected.has(id); });
    $('selected-count').textContent = selected.size ? selected.size + ' ' + T.selected : '';
    $('export-now').disabled = exporting || selected.size === 0;
    $('export-now').textContent = exporting ? T.exporting : T.exportNow;
  }
  function showReport(r, dryRun) {
    var counts = [['exported', r.exported], ['alreadyLinked', r.alreadyLinked], ['queued', r.queued], ['skipped', r.skipped], ['failed', r.failed]];
    var would = r.items.filter(function (i) { return i.outcome === 'would_export'; }).length;
    if (would) counts.unshift(['wouldExport', would]);
    var failures = r.items.filter(function (i) { return i.outcome === 'failed'; });
    var el = $('report');
    el.className = failures.length ? 'has-failures' : '';
    el.innerHTML = '<button id="report-close" aria-label="' + esc(T.close) + '">×</button><h2>' + esc(dryRun ? T.reportDry : T.report) + ' · ' + r.total + '</h2>' +
      counts.map(function (c) { return '<span class="count" data-count="' + c[0] + '">' + esc(T[c[0]]) + ' <b>' + c[1] + '</b></span>'; }).join('') +
      (failures.length ? '<ul>' + failures.map(function (i) { return '<li class="error" data-id="' + esc(i.orderId) + '">' + esc(i.orderId) + ': ' + esc(i.reason || T.failed) + '</li>'; }).join('') + '</ul>' : '');
    el.hidden = false;
  }
  function showError(message) {
    var el = $('report');
    el.className = 'has-failures';
    el.innerHTML = '<button id="report-close" aria-label="' + esc(T.close) + '">×</button><h2>' + esc(T.report) + '</h2><span class="error">' + esc(message) + '</span>';
    el.hidden = false;
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
  $('rows').addEventListener('change', function (e) {
    var box = e.target.closest('input.pick');
    if (!box) return;
    if (box.checked) selected.add(box.getAttribute('data-id')); else selected.delete(box.getAttribute('data-id'));
    showSelection();
  });
  $('select-all').addEventListener('change', function () {
    var on = $('select-all').checked;
    pageIds.forEach(function (id) { if (on) selected.add(id); else selected.delete(id); });
    document.querySelectorAll('#rows input.pick').forEach(function (b) { b.checked = on; });
    showSelection();
  });
  $('export-now').addEventListener('click', function () {
    var ids = Array.from(selected);
    var dryRun = $('dry-run').checked;
    exporting = true;
    showSelection();
    api('orders/export', 'POST', { ids: ids, dryRun: dryRun }).then(function (r) {
      showReport(r, dryRun);
      if (!dryRun) selected.clear();
    }, function (err) {
      if (err.message !== 'token') showError(err.message);
    }).then(function () { exporting = false; showSelection(); return refresh(); });
  });
  $('report').addEventListener('click', function (e) {
    if (e.target.closest('#report-close')) $('report').hidden = true;
  });
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
