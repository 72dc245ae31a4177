/**
 * The status page's script, run by the browser: served by tg-status beside the page
 * (`<path>/status-page.js`), compiled on its own (tsconfig.browser.json: DOM, no modules) and
 * linted with the rest. The page hands it its texts in a JSON script element (#status-config).
 * It reads the status API with the token kept for this tab and drives retry and export.
 */
(function () {
  type LinkState = 'linked' | 'pending' | 'failed' | 'needs_review' | 'not_linked';
  interface PageConfig {
    t: Record<string, string>;
    labels: Record<LinkState, string>;
    tokenRequired: boolean;
    lang: string;
  }
  type Counts = Record<LinkState, number>;
  interface Summary {
    orders: Counts;
    products: Counts;
    queueDepth: number;
    oldestPendingAgeMs: number | null;
    lastProductSync: string | null;
    lastReconciliation: { finishedAt: string; enqueued: number } | null;
    lastError: { item: string; error: string } | null;
  }
  interface Item {
    id: string | number;
    state: LinkState;
    label: string;
    number: string | null;
    lastSync: string | null;
    error: string | null;
    reason: string | null;
  }
  interface ReportItem {
    orderId: string;
    outcome: string;
    reason?: string;
  }
  interface Report {
    total: number;
    exported: number;
    alreadyLinked: number;
    queued: number;
    skipped: number;
    failed: number;
    items: ReportItem[];
  }

  const C = JSON.parse(document.getElementById('status-config')?.textContent ?? '{}') as PageConfig;
  const T = C.t;
  // Numbers and times in the page's language (en as in the US; de/it as the browser writes them there).
  const locale = C.lang === 'en' ? 'en-US' : C.lang;
  const numbers = new Intl.NumberFormat(locale);
  const num = (n: number): string => numbers.format(n);
  const view = { kind: 'orders', state: '', q: '', offset: 0, limit: 50, total: 0 };
  const $ = <E extends HTMLElement = HTMLElement>(id: string): E => document.getElementById(id) as E;
  // One token per page path (two tg-status nodes may have different tokens); gone when the tab closes.
  const KEY = 'totalgest-status-token:' + location.pathname;
  function token(): string {
    return sessionStorage.getItem(KEY) || '';
  }
  function api<R>(path: string, method?: string, body?: unknown): Promise<R> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    // Not Authorization: that header may carry httpNodeAuth's Basic credentials, which the browser adds itself.
    if (token()) headers['X-TotalGest-Token'] = token();
    const url = path + (path.indexOf('?') < 0 ? '?' : '&') + 'lang=' + C.lang;
    const init = { method: method || 'GET', headers, body: body === undefined ? undefined : JSON.stringify(body) };
    return fetch(url, init).then(function (r) {
      if (r.status === 401) {
        $('token-row').style.display = 'block';
        throw new Error('token');
      }
      return r.json().then(function (b: unknown) {
        if (!r.ok) throw new Error((b as { error?: string }).error || String(r.status));
        return b as R;
      });
    });
  }
  const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
  function esc(s: unknown): string {
    return String(s == null ? '' : s).replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
  }
  function when(iso: string | null): string {
    return iso ? new Date(iso).toLocaleString(locale) : T.never!;
  }
  function age(ms: number | null): string {
    if (ms == null) return T.none!;
    const s = Math.round(ms / 1000);
    return s < 120 ? s + ' s' : Math.round(s / 60) + ' min';
  }
  function card(title: string | undefined, value: string, id?: string): string {
    return (
      '<div class="card"' +
      (id ? ' id="' + id + '"' : '') +
      '><b>' +
      esc(title) +
      '</b><span>' +
      value +
      '</span></div>'
    );
  }
  function counts(c: Counts, withPending: boolean): string {
    let out = '<span class="badge linked">' + num(c.linked) + '</span> ';
    if (withPending) out += '<span class="badge pending">' + num(c.pending) + '</span> ';
    out += '<span class="badge failed">' + num(c.failed) + '</span>';
    if (withPending && c.needs_review) out += ' <span class="badge needs_review">' + num(c.needs_review) + '</span>';
    if (withPending) out += ' <span class="badge not_linked">' + num(c.not_linked) + '</span>';
    return out;
  }
  function loadSummary(): Promise<void> {
    return api<Summary>('summary').then(function (s) {
      const rec = s.lastReconciliation;
      $('summary').innerHTML =
        card(T.orders, counts(s.orders, true), 'sum-orders') +
        card(T.products, counts(s.products, false), 'sum-products') +
        card(T.queue, num(s.queueDepth), 'sum-queue') +
        card(T.oldest, age(s.oldestPendingAgeMs)) +
        card(T.lastSync, esc(when(s.lastProductSync))) +
        card(T.lastRecon, rec ? esc(when(rec.finishedAt)) + ' · ' + num(rec.enqueued) + ' ↑' : esc(T.never)) +
        card(
          T.lastError,
          s.lastError
            ? '<span class="error">' + esc(s.lastError.item + ': ' + s.lastError.error) + '</span>'
            : esc(T.none),
          'sum-error',
        );
    });
  }
  function row(it: Item): string {
    const detail = it.error
      ? '<span class="error">' + esc(it.error) + '</span>'
      : it.reason
        ? '<span class="muted">' + esc(it.reason) + '</span>'
        : '';
    const action =
      view.kind === 'orders' && it.state === 'failed'
        ? '<button class="retry" data-id="' + esc(it.id) + '">' + esc(T.retry) + '</button>'
        : '';
    const pick =
      view.kind === 'orders'
        ? '<input type="checkbox" class="pick" aria-label="' +
          esc(T.select + ' ' + it.id) +
          '" data-id="' +
          esc(it.id) +
          '"' +
          (selected.has(String(it.id)) ? ' checked' : '') +
          '>'
        : '';
    return (
      '<tr data-id="' +
      esc(it.id) +
      '"><td class="pick">' +
      pick +
      '</td><td>' +
      esc(it.id) +
      '</td>' +
      '<td><span class="badge ' +
      it.state +
      '" data-state="' +
      it.state +
      '">' +
      esc(it.label) +
      '</span></td>' +
      '<td>' +
      esc(it.number || '') +
      '</td><td class="muted">' +
      esc(it.lastSync ? when(it.lastSync) : '') +
      '</td>' +
      '<td>' +
      detail +
      '</td><td>' +
      action +
      '</td></tr>'
    );
  }
  function loadRows(): Promise<void> {
    const q =
      'list/' +
      view.kind +
      '?offset=' +
      view.offset +
      '&limit=' +
      view.limit +
      (view.state ? '&state=' + view.state : '') +
      (view.q ? '&q=' + encodeURIComponent(view.q) : '');
    return api<{ total: number; items: Item[] }>(q).then(function (r) {
      view.total = r.total;
      $('col-id').textContent = view.kind === 'orders' ? T.id! : T.sku!;
      $('rows').innerHTML = r.items.length
        ? r.items.map(row).join('')
        : '<tr><td colspan="7" class="muted">' + esc(T.empty) + '</td></tr>';
      const end = Math.min(view.offset + view.limit, view.total);
      $('range').textContent =
        num(view.total ? view.offset + 1 : 0) + '–' + num(end) + ' ' + T.of + ' ' + num(view.total);
      $<HTMLButtonElement>('prev').disabled = view.offset === 0;
      $<HTMLButtonElement>('next').disabled = end >= view.total;
      $('updated').textContent = T.updated + ' ' + new Date().toLocaleTimeString(locale);
      pageIds = view.kind === 'orders' ? r.items.map((it) => String(it.id)) : [];
      showSelection();
    });
  }
  // The selection survives the refreshes (rows are redrawn every few seconds) and page changes.
  const selected = new Set<string>();
  let pageIds: string[] = [];
  let exporting = false;
  function showSelection(): void {
    $('export-bar').style.display = view.kind === 'orders' ? 'flex' : 'none';
    $<HTMLInputElement>('select-all').checked = pageIds.length > 0 && pageIds.every((id) => selected.has(id));
    $('selected-count').textContent = selected.size ? num(selected.size) + ' ' + T.selected : '';
    $<HTMLButtonElement>('export-now').disabled = exporting || selected.size === 0;
    $('export-now').textContent = exporting ? T.exporting! : T.exportNow!;
  }
  function showReport(r: Report, dryRun: boolean): void {
    const shown: Array<[string, number]> = [
      ['exported', r.exported],
      ['alreadyLinked', r.alreadyLinked],
      ['queued', r.queued],
      ['skipped', r.skipped],
      ['failed', r.failed],
    ];
    const would = r.items.filter((i) => i.outcome === 'would_export').length;
    if (would) shown.unshift(['wouldExport', would]);
    const failures = r.items.filter((i) => i.outcome === 'failed');
    const el = $('report');
    el.className = failures.length ? 'has-failures' : '';
    el.innerHTML =
      '<button id="report-close" aria-label="' +
      esc(T.close) +
      '">×</button>' +
      '<h2>' +
      esc(dryRun ? T.reportDry : T.report) +
      ' · ' +
      num(r.total) +
      '</h2>' +
      shown
        .map(
          (c) => '<span class="count" data-count="' + c[0] + '">' + esc(T[c[0]]) + ' <b>' + num(c[1]) + '</b></span>',
        )
        .join('') +
      (failures.length
        ? '<ul>' +
          failures
            .map(
              (i) =>
                '<li class="error" data-id="' +
                esc(i.orderId) +
                '">' +
                esc(i.orderId) +
                ': ' +
                esc(i.reason || T.failed) +
                '</li>',
            )
            .join('') +
          '</ul>'
        : '');
    el.hidden = false;
  }
  function showError(message: string): void {
    const el = $('report');
    el.className = 'has-failures';
    el.innerHTML =
      '<button id="report-close" aria-label="' +
      esc(T.close) +
      '">×</button><h2>' +
      esc(T.report) +
      '</h2>' +
      '<span class="error">' +
      esc(message) +
      '</span>';
    el.hidden = false;
  }
  function refresh(): Promise<void> {
    return Promise.all([loadSummary(), loadRows()]).then(
      () => undefined,
      () => undefined,
    );
  }
  /** The element of `selector` that an event started in, if any. */
  function closest<E extends Element>(e: Event, selector: string): E | null {
    return e.target instanceof Element ? e.target.closest<E>(selector) : null;
  }
  document.querySelectorAll<HTMLButtonElement>('.tabs button').forEach(function (b) {
    b.addEventListener('click', function () {
      document.querySelectorAll('.tabs button').forEach((x) => x.setAttribute('aria-selected', String(x === b)));
      view.kind = b.getAttribute('data-kind') ?? 'orders';
      view.offset = 0;
      void refresh();
    });
  });
  let typing: number | undefined;
  $('search').addEventListener('input', function () {
    clearTimeout(typing);
    typing = setTimeout(function () {
      view.q = $<HTMLInputElement>('search').value.trim();
      view.offset = 0;
      void refresh();
    }, 250);
  });
  $('state').addEventListener('change', function () {
    view.state = $<HTMLSelectElement>('state').value;
    view.offset = 0;
    void refresh();
  });
  $('prev').addEventListener('click', function () {
    view.offset = Math.max(0, view.offset - view.limit);
    void refresh();
  });
  $('next').addEventListener('click', function () {
    view.offset += view.limit;
    void refresh();
  });
  $('rows').addEventListener('change', function (e) {
    const box = closest<HTMLInputElement>(e, 'input.pick');
    if (!box) return;
    const id = box.getAttribute('data-id') ?? '';
    if (box.checked) selected.add(id);
    else selected.delete(id);
    showSelection();
  });
  $('select-all').addEventListener('change', function () {
    const on = $<HTMLInputElement>('select-all').checked;
    pageIds.forEach((id) => (on ? selected.add(id) : selected.delete(id)));
    document.querySelectorAll<HTMLInputElement>('#rows input.pick').forEach((b) => (b.checked = on));
    showSelection();
  });
  $('export-now').addEventListener('click', function () {
    const ids = Array.from(selected);
    const dryRun = $<HTMLInputElement>('dry-run').checked;
    exporting = true;
    showSelection();
    api<Report>('orders/export', 'POST', { ids, dryRun })
      .then(
        function (r) {
          showReport(r, dryRun);
          if (!dryRun) selected.clear();
        },
        function (err: Error) {
          if (err.message !== 'token') showError(err.message);
        },
      )
      .then(function () {
        exporting = false;
        showSelection();
        return refresh();
      });
  });
  $('report').addEventListener('click', function (e) {
    if (closest(e, '#report-close')) $('report').hidden = true;
  });
  $('rows').addEventListener('click', function (e) {
    const b = closest<HTMLButtonElement>(e, 'button.retry');
    if (!b) return;
    b.disabled = true;
    api('orders/' + encodeURIComponent(b.getAttribute('data-id') ?? '') + '/retry', 'POST').then(refresh, refresh);
  });
  $('token-save').addEventListener('click', function () {
    sessionStorage.setItem(KEY, $<HTMLInputElement>('token').value.trim());
    $('token-row').style.display = 'none';
    void refresh();
  });
  if (C.tokenRequired && !token()) $('token-row').style.display = 'block';
  void refresh();
  setInterval(refresh, 3000);
})();
