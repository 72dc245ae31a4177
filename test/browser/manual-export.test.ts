import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromiumAvailable, launchChromium, getJson, poll, startDemo, type Demo } from '../helpers/demo';

const artifacts = path.join(__dirname, '../artifacts');
/** The demo flow's status token (README, Quick start). */
const TOKEN = 'demo-status-token';
const auth = { headers: { Authorization: `Bearer ${TOKEN}` } };

/** Issue 14: select orders where they are listed, send them now, read the report there — in headless Chromium. */
describe('manual export from the status page and the shop list, in a browser', function () {
  this.timeout(120_000);
  let demo: Demo;
  let browser: Browser;
  let page: Page;

  const post = (url: string, body: unknown) =>
    getJson(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    }) as Promise<{ id: number }>;
  const statuses = (ids: number[]) =>
    getJson(`${demo.url.red}/totalgest/status/orders?ids=${ids.join(',')}`, auth) as Promise<Record<string, any>>;

  before(async function () {
    if (!chromiumAvailable()) return this.skip();
    mkdirSync(artifacts, { recursive: true });
    demo = await startDemo(18940, 'manual-export');
    // The demo's reconciliation runs once at start (then every 15 min): after it, orders placed
    // without a webhook stay unseen until someone exports them.
    await poll(
      () => getJson(`${demo.url.red}/totalgest/status/summary`, auth),
      (s) => s.lastReconciliation !== null,
      30_000,
      'the first reconciliation',
    );
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });
  after(async () => {
    await browser?.close();
    await demo?.stop();
  });

  it('selects three orders on the status page, exports them, shows the report and the rows turn Linked', async () => {
    // Three card orders that arrived unpaid (not linked); the payment came later and its webhook was lost.
    const ids: number[] = [];
    for (let i = 0; i < 3; i++)
      ids.push((await post(`${demo.url.fw}/_sandbox/orders`, { order: { pagato: false } })).id);
    await poll(
      () => statuses(ids),
      (r) => ids.every((id) => r[id].state === 'not_linked' && r[id].reason === 'not_paid'),
      15_000,
      'orders recorded as not paid',
    );
    for (const id of ids)
      await post(`${demo.url.fw}/_sandbox/orders/update`, { id, changes: { pagato: true }, deliver: false });

    await page.goto(`${demo.url.red}/totalgest/status/`);
    await page.fill('#token', TOKEN);
    await page.click('#token-save');
    const row = (id: number) => page.locator(`#rows tr[data-id="${id}"]`);
    for (const id of ids) await row(id).locator('input.pick').check();
    assert.equal(await page.locator('#selected-count').textContent(), '3 selected');

    // A dry run first: the report says what would happen, the rows do not move.
    await page.check('#dry-run');
    await page.click('#export-now');
    await page.locator('#report [data-count="wouldExport"]').waitFor();
    assert.match((await page.locator('#report h2').textContent()) ?? '', /^Dry run: nothing was sent · 3$/);
    assert.equal(await page.locator('#report [data-count="wouldExport"] b').textContent(), '3');
    for (const id of ids) assert.equal(await row(id).locator('.badge').getAttribute('data-state'), 'not_linked');
    assert.equal(await page.locator('#selected-count').textContent(), '3 selected', 'a dry run keeps the selection');

    await page.uncheck('#dry-run');
    await page.click('#export-now');
    await page.locator('#report [data-count="exported"]').waitFor();
    await page.waitForFunction(() => !document.querySelector('#report h2')?.textContent?.startsWith('Dry run'));
    assert.equal(await page.locator('#report [data-count="exported"] b').textContent(), '3');
    assert.equal(await page.locator('#report [data-count="failed"] b').textContent(), '0');
    for (const id of ids) {
      await page.waitForFunction(
        (i) => document.querySelector(`#rows tr[data-id="${i}"] .badge`)?.getAttribute('data-state') === 'linked',
        id,
      );
      assert.match((await row(id).textContent()) ?? '', /\d{4}-\d{6}/);
    }
    assert.equal(await page.locator('#selected-count').textContent(), '');
    await page.screenshot({ path: path.join(artifacts, 'status-page-export-linked.png'), fullPage: true });
  });

  it('reports a failure with its reason; "select all on this page" selects every row of the filtered page', async () => {
    // An order for an article TotalGest does not know, whose webhook never arrived.
    // Seen once as unpaid so it is listed, then paid without a webhook.
    const ghost = (
      await post(`${demo.url.fw}/_sandbox/orders`, {
        order: {
          pagato: false,
          carrello: [
            { sku: 'GHOST-1', nome: 'Articolo fantasma', quantita: 1, prezzo: '25.80', iva: '8.1', sconto: '0' },
          ],
        },
      })
    ).id;
    await poll(
      () => statuses([ghost]),
      (r) => r[ghost].state === 'not_linked',
      15_000,
      'the order listed',
    );
    await post(`${demo.url.fw}/_sandbox/orders/update`, { id: ghost, changes: { pagato: true }, deliver: false });
    await page.reload();
    // Not linked: the ghost and the demo's skipped orders (cancelled, unpaid), which stay skipped.
    await page.selectOption('#state', 'not_linked');
    await page.locator(`#rows tr[data-id="${ghost}"]`).waitFor();
    await page.waitForFunction(() =>
      [...document.querySelectorAll('#rows .badge')].every((b) => b.getAttribute('data-state') === 'not_linked'),
    );
    await page.check('#select-all');
    const rows = await page.locator('#rows input.pick').count();
    assert.equal(await page.locator('#rows input.pick:checked').count(), rows);
    assert.equal(await page.locator('#selected-count').textContent(), `${rows} selected`);
    await page.click('#export-now');
    await page.locator(`#report li[data-id="${ghost}"]`).waitFor({ timeout: 30_000 });
    assert.match(
      (await page.locator(`#report li[data-id="${ghost}"]`).textContent()) ?? '',
      new RegExp(`^${ghost}: .*unknown article`),
    );
    assert.equal(await page.locator('#report [data-count="failed"] b').textContent(), '1');
    assert.equal(await page.locator('#report [data-count="skipped"] b').textContent(), String(rows - 1));
    // Failed now: it leaves the "not linked" filter; shown with all states as a failed row.
    await page.selectOption('#state', '');
    await page.waitForFunction(
      (i) => document.querySelector(`#rows tr[data-id="${i}"] .badge`)?.getAttribute('data-state') === 'failed',
      ghost,
    );
    await page.screenshot({ path: path.join(artifacts, 'status-page-export-report.png'), fullPage: false });
  });

  it("sends the selected orders from the shop's /admin/orders and shows the report above the list", async () => {
    // Two orders the package has never seen (their webhooks were lost) and one TotalGest refuses.
    const fresh = [
      (await post(`${demo.url.fw}/_sandbox/orders`, { deliver: false })).id,
      (await post(`${demo.url.fw}/_sandbox/orders`, { deliver: false })).id,
    ];
    const bad = (
      await post(`${demo.url.fw}/_sandbox/orders`, {
        order: {
          carrello: [{ sku: 'GHOST-2', nome: 'Altro fantasma', quantita: 1, prezzo: '25.80', iva: '8.1', sconto: '0' }],
        },
        deliver: false,
      })
    ).id;
    await page.goto(`${demo.url.fw}/admin/orders`);
    const cell = (id: number) => page.locator(`#list tr[data-id="${id}"] td.tg .badge`);
    for (const id of [...fresh, bad]) assert.equal(await cell(id).getAttribute('data-state'), 'not_linked');
    for (const id of [...fresh, bad]) await page.check(`#list tr[data-id="${id}"] input.pick`);
    await page.click('#tg-send');
    await page.locator('#tg-report').waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('#tg-report [data-count="exported"] b').textContent(), '2');
    assert.equal(await page.locator('#tg-report [data-count="failed"] b').textContent(), '1');
    assert.match((await page.locator(`#tg-report li[data-id="${bad}"]`).textContent()) ?? '', /unknown article/);
    for (const id of fresh) assert.equal(await cell(id).getAttribute('data-state'), 'linked');
    assert.equal(await cell(bad).getAttribute('data-state'), 'failed');
    await page.screenshot({ path: path.join(artifacts, 'shop-admin-orders-export.png'), fullPage: true });
  });
});
