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
/** The page's script (src/web/browser/status-page.ts), served beside the page: a path relative to it. */
export const STATUS_SCRIPT = 'status-page.js';

/** The page; its script reads the texts and settings from the JSON in #status-config. */
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
<script type="application/json" id="status-config">${config}</script>
<script src="${STATUS_SCRIPT}"></script>
</body>
</html>`;
}
