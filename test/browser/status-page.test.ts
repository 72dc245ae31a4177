import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromiumAvailable, launchChromium, getJson, poll, startDemo, type Demo } from '../helpers/demo';

const artifacts = path.join(__dirname, '../artifacts');
/** The demo flow's status token (README, Quick start). */
const TOKEN = 'demo-status-token';
const auth = { headers: { Authorization: `Bearer ${TOKEN}` } };

/** The status page and the shop's TotalGest column, as a person sees them, in headless Chromium. */
describe('status page and shop column in a browser', function () {
  this.timeout(90_000);
  let demo: Demo;
  let browser: Browser;
  let page: Page;
  const ids = { linked: 0, failed: 0, skipped: 0 };

  before(async function () {
    if (!chromiumAvailable()) return this.skip();
    mkdirSync(artifacts, { recursive: true });
    demo = await startDemo(18920, 'browser');
    // A linked, a failed (unknown article in TotalGest) and a not-linked (cancelled) order.
    const place = (order: unknown) =>
      getJson(`${demo.url.fw}/_sandbox/orders`, { method: 'POST', body: JSON.stringify({ order }) });
    ids.linked = (await place({})).id;
    ids.failed = (
      await place({
        carrello: [
          { sku: 'GHOST-1', nome: 'Articolo fantasma', quantita: 1, prezzo: '25.80', iva: '8.1', sconto: '0' },
        ],
      })
    ).id;
    ids.skipped = (await place({ stato: { id: 5, nome: 'Annullato' } })).id;
    await poll(
      () => getJson(`${demo.url.red}/totalgest/status/orders?ids=${ids.linked},${ids.failed}`, auth),
      (r) => r[ids.linked].state === 'linked' && r[ids.failed].state === 'failed',
      10_000,
      'orders settled',
    );
    await poll(
      () => getJson(`${demo.url.red}/totalgest/status/summary`, auth),
      (r) => r.products.linked > 500,
      20_000,
      'products synced',
    );
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });
  after(async () => {
    await browser?.close();
    await demo?.stop();
  });

  const badge = (id: number | string) => page.locator(`#rows tr[data-id="${id}"] .badge`);

  it('asks for the token once, refuses a wrong one, and keeps the right one for the session', async () => {
    const seen: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/totalgest/status/summary')) seen.push(r.headers()['x-totalgest-token'] ?? '');
    });
    await page.goto(`${demo.url.red}/totalgest/status/`);
    await page.locator('#token-row').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#rows tr[data-id]').count(), 0, 'no data without the token');
    await page.fill('#token', 'not-the-token');
    await page.click('#token-save');
    await page.locator('#token-row').waitFor({ state: 'visible' });
    await page.fill('#token', TOKEN);
    await page.click('#token-save');
    await badge(ids.linked).waitFor();
    assert.equal(await page.locator('#token-row').isVisible(), false);
    assert.equal(
      await page.evaluate(() => sessionStorage.getItem(`totalgest-status-token:${location.pathname}`)),
      TOKEN,
    );
    // A reload in the same tab does not ask again.
    await page.reload();
    await badge(ids.linked).waitFor();
    assert.equal(await page.locator('#token-row').isVisible(), false);
    assert.ok(seen.includes('not-the-token') && seen.at(-1) === TOKEN, JSON.stringify(seen));
  });

  it('shows linked, failed and not-linked orders with their badges, and the summary', async () => {
    await page.goto(`${demo.url.red}/totalgest/status/`);
    await badge(ids.linked).waitFor();
    assert.equal(await badge(ids.linked).getAttribute('data-state'), 'linked');
    assert.equal(await badge(ids.failed).getAttribute('data-state'), 'failed');
    assert.equal(await badge(ids.skipped).getAttribute('data-state'), 'not_linked');
    assert.equal(await badge(ids.skipped).textContent(), 'Not linked');
    assert.match((await page.locator(`#rows tr[data-id="${ids.failed}"]`).textContent()) ?? '', /unknown article/);
    assert.match((await page.locator(`#rows tr[data-id="${ids.linked}"]`).textContent()) ?? '', /\d{4}-\d{6}/);
    assert.match((await page.locator('#sum-orders').textContent()) ?? '', /\d/);
    const html = await page.content();
    assert.ok(!html.includes('Via Nassa'), 'no customer address on the page');
    await page.screenshot({ path: path.join(artifacts, 'status-page-orders.png'), fullPage: true });
  });

  it('filters by state', async () => {
    await page.selectOption('#state', 'failed');
    await page.waitForFunction(() =>
      [...document.querySelectorAll('#rows .badge')].every((b) => b.getAttribute('data-state') === 'failed'),
    );
    assert.equal(await badge(ids.linked).count(), 0);
    assert.equal(await badge(ids.failed).count(), 1);
    await page.selectOption('#state', '');
  });

  it('pages through the products', async () => {
    await page.click('#tab-products');
    await page.waitForFunction(
      () =>
        /of [\d,.]+/.test(document.getElementById('range')!.textContent ?? '') &&
        document.querySelectorAll('#rows tr').length === 50,
    );
    const first = await page.locator('#rows tr').first().getAttribute('data-id');
    const range = await page.locator('#range').textContent();
    assert.match(range ?? '', /^1–50 of /);
    await page.click('#next');
    await page.waitForFunction((f) => document.querySelector('#rows tr')?.getAttribute('data-id') !== f, first);
    assert.match((await page.locator('#range').textContent()) ?? '', /^51–100 of /);
    await page.fill('#search', 'CAF-2');
    await page.waitForFunction(() => document.querySelector('#rows tr')?.getAttribute('data-id') === 'CAF-250');
    await page.screenshot({ path: path.join(artifacts, 'status-page-products.png'), fullPage: true });
    await page.fill('#search', '');
    await page.click('#tab-orders');
    await badge(ids.failed).waitFor();
  });

  it('retries a failed order from the page and sees it turn linked', async () => {
    // The cause is fixed in TotalGest: the article now exists.
    const art = {
      id: 'A-GHOST',
      sku: 'GHOST-1',
      ean: null,
      name: 'Articolo fantasma',
      shortDescription: '',
      description: '',
      price: '25.80',
      vatCode: 'N',
      vatRate: '8.1',
      stock: { onHand: '5', reserved: '0', available: '5' },
      unit: 'pz',
      active: true,
      deleted: false,
      updatedAt: new Date().toISOString(),
    };
    await getJson(`${demo.url.tg}/_sandbox/articles`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ items: [art] }),
    });
    await page.click(`#rows tr[data-id="${ids.failed}"] button.retry`);
    await page.waitForFunction(
      (id) => document.querySelector(`#rows tr[data-id="${id}"] .badge`)?.getAttribute('data-state') === 'linked',
      ids.failed,
      {
        timeout: 15_000,
      },
    );
    await page.screenshot({ path: path.join(artifacts, 'status-page-after-retry.png'), fullPage: true });
  });

  it('writes dates and numbers in the language of the page', async () => {
    const lastSync = async (lang: string) => {
      await page.goto(`${demo.url.red}/totalgest/status/?lang=${lang}`);
      await badge(ids.linked).waitFor();
      return (await page.locator('#summary').textContent()) ?? '';
    };
    // 29.11.2026 in German, 11/29/2026 in English: the browser's own locale no longer decides.
    assert.match(await lastSync('de'), /\d{1,2}\.\d{1,2}\.\d{4}/);
    assert.match(await lastSync('en'), /\d{1,2}\/\d{1,2}\/\d{4}/);
  });

  it("shows the TotalGest column in the shop's order list", async () => {
    await page.goto(`${demo.url.fw}/admin/orders`);
    const cell = (id: number) => page.locator(`#list tr[data-id="${id}"] td.tg .badge`);
    assert.equal(await cell(ids.linked).getAttribute('data-state'), 'linked');
    assert.equal(await cell(ids.failed).getAttribute('data-state'), 'linked');
    assert.equal(await cell(ids.skipped).getAttribute('data-state'), 'not_linked');
    assert.equal(await cell(ids.skipped).textContent(), 'Not linked');
    await page.screenshot({ path: path.join(artifacts, 'shop-admin-orders.png'), fullPage: true });
    await page.goto(`${demo.url.fw}/admin/products`);
    assert.equal(await page.locator('#list tr[data-id="CAF-250"] td.tg .badge').getAttribute('data-state'), 'linked');
  });
});
