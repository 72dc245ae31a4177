import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { fixtures } from '../helpers/fixtures';
import { chromiumAvailable, launchChromium, poll } from '../helpers/demo';
import { Harness, sleep } from '../reliability/harness';

const shots = path.join(__dirname, '../artifacts/editor');
const EXAMPLES = ['manual-export', 'order-export-webhook', 'product-sync', 'status-column'];

/** Bounds on waits for the editor: generous (10× a loaded run), only so that a hang fails. */
const UI_MS = 60_000;

/**
 * An integrator's day in the real Node-RED editor, in headless Chromium: the palette, the
 * examples, Test connection, deploy, inject buttons, the debug sidebar, a failing TotalGest,
 * and the editor in German and Italian. Screenshots of each step land in test/artifacts/editor/.
 */
describe("the integrator's day in the Node-RED editor", function () {
  this.timeout(300_000);
  let h: Harness;
  let browser: Browser;
  let page: Page;

  const shot = (name: string) => page.screenshot({ path: path.join(shots, `${name}.png`) });
  const openEditor = async (p: Page) => {
    await p.goto(h.redUrl);
    await p.waitForSelector('.red-ui-palette-node[data-palette-type="tg-push-order"]', { timeout: UI_MS });
    await p.waitForFunction(() => !document.querySelector('#red-ui-loading'), undefined, { timeout: UI_MS });
    await sleep(500);
  };
  const debugTexts = () => page.locator('.red-ui-debug-msg').allInnerTexts();
  const nodeStatus = (id: string) => page.locator(`[id="${id}"] .red-ui-flow-node-status-label`).textContent();
  /** Finds a node by type and name and clicks its flow's tab, as a person would. */
  const showNode = async (p: Page, type: string, name: string) => {
    const found = await p.evaluate(
      ([t, n]) => {
        const RED = (window as any).RED;
        const node = RED.nodes.filterNodes({ type: t }).find((x: { name: string }) => x.name === n);
        if (!node) throw new Error(`no ${t} named ${n}`);
        return { id: node.id as string, tab: RED.nodes.workspace(node.z).label as string };
      },
      [type, name] as const,
    );
    // Notifications sit over the tab bar for a few seconds; wait them out (a person would).
    await p
      .waitForFunction(
        () =>
          ![...document.querySelectorAll('.red-ui-notification')].some((n) => (n as HTMLElement).offsetParent !== null),
        undefined,
        {
          timeout: UI_MS,
        },
      )
      .catch(async () => {
        const texts = await p.locator('.red-ui-notification:visible').allInnerTexts();
        throw new Error(`a notification stays over the editor: ${texts.join(' | ')}`);
      });
    const tab = p.locator('#red-ui-workspace-tabs .red-ui-tab', { hasText: found.tab }).first();
    if (!/\bactive\b/.test((await tab.getAttribute('class')) ?? '')) await tab.click();
    await p.locator(`[id="${found.id}"]`).waitFor({ timeout: UI_MS });
    return found.id;
  };
  const press = async (name: string) => {
    const id = await showNode(page, 'inject', name);
    await page.click(`[id="${id}"] .red-ui-flow-node-button-button`);
  };
  const words = (s: string) => s.replace(/\s+/g, ' ').trim();

  before(async function () {
    if (!chromiumAvailable()) return this.skip();
    mkdirSync(shots, { recursive: true });
    // A Node-RED with this package installed and no flows yet: the integrator starts from scratch.
    h = new Harness({ name: 'editor', basePort: 19200, editFlows: () => [] });
    await h.start();
    // The shop holds the fixture orders; order 10453 names an article TotalGest does not know.
    for (const [, fx] of fixtures) {
      const order = structuredClone(fx.order) as Record<string, any>;
      if (order.id === 10453) order.carrello[0].sku = 'NOT-IN-TOTALGEST';
      h.fw.placeOrder(order, false);
    }
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 }, locale: 'en-US' });
    await openEditor(page);
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page)
      await page.screenshot({
        path: path.join(shots, `failed-${this.currentTest.title.slice(0, 20).replace(/\W+/g, '-')}.png`),
      });
  });
  after(async () => {
    await browser?.close();
    await h?.stop();
  });

  it('1. the palette has a TotalGest category with the three nodes, their icon and short help', async () => {
    const category = page.locator('#red-ui-palette-container-TotalGest');
    await category.waitFor();
    assert.equal((await page.locator('#red-ui-palette-header-TotalGest').innerText()).trim(), 'TotalGest');
    for (const [type, label, iconFile] of [
      ['tg-pull-products', 'pull products', 'tg-pull.svg'],
      ['tg-push-order', 'push order', 'tg-push.svg'],
      ['tg-status', 'link status', 'tg-status.svg'],
    ]) {
      const node = category.locator(`.red-ui-palette-node[data-palette-type="${type}"]`);
      assert.equal(words(await node.locator('.red-ui-palette-label').innerText()), label);
      const icon = await node.locator('.red-ui-palette-icon').evaluate((el) => getComputedStyle(el).backgroundImage);
      assert.ok(icon.includes(`node-red-contrib-totalgest/${iconFile}`), `${type} icon: ${icon}`);
    }
    await category.locator('.red-ui-palette-node[data-palette-type="tg-push-order"]').hover();
    const popover = page.locator('.red-ui-popover:visible');
    await popover.waitFor({ timeout: UI_MS });
    assert.match(await popover.innerText(), /Exports completed Framework360 orders to TotalGest/);
    await shot('01-palette');
    await page.mouse.move(800, 500);
  });

  it('2. Import → Examples lists every example; each imports without unknown nodes', async () => {
    for (const name of EXAMPLES) {
      await page.evaluate(() => (window as any).RED.actions.invoke('core:show-examples-import-dialog'));
      const dialog = page.locator('#red-ui-clipboard-dialog');
      await dialog.waitFor();
      const module = dialog.locator('.red-ui-treeList-label', { hasText: 'node-red-contrib-totalgest' }).first();
      await module.waitFor();
      // Expand the package's examples unless they are (the tree remembers it); the list is
      // fetched and slides open, so wait for it to show every example.
      if (!(await module.evaluate((el) => el.parentElement?.classList.contains('expanded')))) await module.click();
      const labels = await poll(
        () => dialog.locator('.red-ui-treeList-label').allInnerTexts(),
        (ls) => EXAMPLES.every((ex) => ls.some((l) => l.trim() === ex)),
        UI_MS,
        'the examples listed',
      ).catch(async () => dialog.locator('.red-ui-treeList-label').allInnerTexts());
      for (const ex of EXAMPLES)
        assert.ok(
          labels.some((l) => l.trim() === ex),
          `example "${ex}" listed in ${labels.join(', ')}`,
        );
      await dialog
        .locator('.red-ui-treeList-label', { hasText: new RegExp(`^${name}$`) })
        .first()
        .click();
      if (name === 'manual-export') await shot('02-import-examples');
      const nodeCount = () =>
        page.evaluate(() => {
          let n = 0;
          const RED = (window as any).RED;
          RED.nodes.eachNode(() => void n++);
          RED.nodes.eachConfig(() => void n++);
          return n;
        });
      const before = await nodeCount();
      await page.locator('#red-ui-clipboard-dialog-ok').click();
      // The editor fetches the example, then imports it: done when its nodes are in the workspace.
      // Config nodes shared with an earlier example raise a conflict notification instead:
      // import them once more as they are.
      const conflict = page.locator('.red-ui-notification', { hasText: 'already exist in your workspace' });
      await poll(
        async () => ({ nodes: await nodeCount(), conflict: await conflict.count() }),
        (r) => r.nodes > before || r.conflict > 0,
        UI_MS,
        `the ${name} example imported`,
      );
      if ((await conflict.count()) > 0) {
        await conflict.locator('button', { hasText: 'Import copy' }).click({ timeout: UI_MS });
        await conflict.waitFor({ state: 'hidden', timeout: UI_MS });
        await poll(nodeCount, (n) => n > before, UI_MS, `the ${name} example imported as a copy`);
      }
      const notes = (await page.locator('.red-ui-notification:visible').allInnerTexts()).join(' ');
      assert.ok(!/unrecognised|unknown/i.test(notes), `${name}: ${notes}`);
    }
    const unknown = await page.evaluate(() => {
      const RED = (window as any).RED;
      const types: string[] = [];
      RED.nodes.eachNode((n: { type: string }) => {
        if (!RED.nodes.getType(n.type)) types.push(n.type);
      });
      return types;
    });
    assert.deepEqual(unknown, []);
  });

  it('3. Test connection in the dialog: the shop name, or "wrong credentials" — without a deploy', async () => {
    const configId = await page.evaluate(() => {
      let id = '';
      (window as any).RED.nodes.eachConfig((n: { type: string; id: string }) => {
        if (n.type === 'totalgest-config' && !id) id = n.id;
      });
      return id;
    });
    await page.evaluate((id) => (window as any).RED.editor.editConfig('', 'totalgest-config', id), configId);
    await page.locator('#node-config-input-endpoint').waitFor();
    await page.fill('#node-config-input-endpoint', h.tg.url);
    await page.fill('#node-config-input-shopId', 'demo-shop');
    await page.fill('#node-config-input-ownerId', 'demo-owner');
    await page.fill('#node-config-input-username', 'demo');
    await page.fill('#node-config-input-password', 'not-the-password');
    await page.click('#node-config-totalgest-test');
    const result = page.locator('#node-config-totalgest-test-result');
    await poll(
      () => result.innerText(),
      (t) => /—/.test(t),
      UI_MS,
      'a test result',
    );
    assert.match(await result.innerText(), /^Wrong credentials — /);
    await shot('03-test-connection-wrong');
    await page.fill('#node-config-input-password', 'demo-password');
    await page.click('#node-config-totalgest-test');
    await poll(
      () => result.innerText(),
      (t) => /Connected/.test(t),
      UI_MS,
      'connected',
    );
    assert.equal(await result.innerText(), 'Connected to shop “Demo Shop Lugano”');
    await shot('03-test-connection-ok');
    await page.click('#node-config-dialog-ok');
    // The Framework360 connection of the examples.
    const fwId = await page.evaluate(() => {
      let id = '';
      (window as any).RED.nodes.eachConfig((n: { type: string; id: string }) => {
        if (n.type === 'framework360-config' && !id) id = n.id;
      });
      return id;
    });
    await sleep(300);
    await page.evaluate((id) => (window as any).RED.editor.editConfig('', 'framework360-config', id), fwId);
    await page.locator('#node-config-input-siteUrl').waitFor();
    await page.fill('#node-config-input-siteUrl', h.fw.url);
    await page.fill('#node-config-input-apiKey', 'demo-key');
    await page.fill('#node-config-input-webhookSecret', 'demo-webhook-secret');
    await page.click('#node-config-framework360-test');
    await poll(
      () => page.locator('#node-config-framework360-test-result').innerText(),
      (t) => /Connected/.test(t),
      UI_MS,
      'Framework360 connected',
    );
    await page.click('#node-config-dialog-ok');
    await sleep(300);
  });

  it('4. deploys cleanly; "sync now" shows progress and the summary; "export orders" shows the report', async () => {
    await page.click('#red-ui-header-button-deploy');
    await page
      .locator('.red-ui-notification:visible', { hasText: 'Successfully deployed' })
      .waitFor({ timeout: UI_MS });
    await page.evaluate(() => (window as any).RED.sidebar.show('debug'));
    // Product sync.
    const pull = await showNode(page, 'tg-pull-products', 'TotalGest → Framework360');
    const summariesBefore = (await debugTexts()).filter((t) => /sync summary/.test(t)).length;
    await press('sync now');
    await poll(
      () => nodeStatus(pull),
      (t) => /^(✓|⚠) \d+ (created|updated)/.test(t ?? ''),
      UI_MS,
      'the sync summary in the status',
    );
    await poll(
      debugTexts,
      (texts) => texts.filter((t) => /sync summary/.test(t) && /fetched/.test(t)).length > summariesBefore,
      UI_MS,
      'a new summary in the debug sidebar',
    );
    await shot('04-product-sync');
    // Manual export.
    await press('export orders 10452, 10453');
    await poll(
      debugTexts,
      (texts) => texts.some((t) => /export report/.test(t) && /summary/.test(t)),
      UI_MS,
      'the report in the debug sidebar',
    );
    // One click opens the report; its first line, the summary, names the failed order and why.
    const message = page.locator('.red-ui-debug-msg', { hasText: 'export report' }).last();
    await message.locator('.red-ui-debug-msg-element').first().click();
    const report = await message.innerText();
    assert.match(report, /summary: "2 orders: .*1 failed — 10453: .*unknown article/);
    await shot('05-manual-export-report');
  });

  it('5. a failing TotalGest turns the status red with the cause, and the Catch shows the error', async () => {
    h.tg.faults.configure({ status: 403, code: 'shop_forbidden', count: 50 });
    const pull = await showNode(page, 'tg-pull-products', 'TotalGest → Framework360');
    await press('full resync');
    await poll(
      () => nodeStatus(pull),
      (t) => /^owner "demo-owner" may not use shop "demo-shop"$/.test(t ?? ''),
      UI_MS,
      'the cause in the status',
    );
    const ring = await page.locator(`[id="${pull}"] .red-ui-flow-node-status`).getAttribute('class');
    assert.match(ring ?? '', /red/);
    await poll(
      debugTexts,
      (texts) => texts.some((t) => /sync error/.test(t) && /may not use shop/.test(t)),
      UI_MS,
      'the error in the debug sidebar',
    );
    await shot('06-failing-totalgest');
    h.tg.faults.reset();
  });

  for (const [locale, expect] of [
    [
      'de-DE',
      { palette: 'Produkte holen', help: /Hält den Framework360-Katalog gleich wie TotalGest/, label: 'Paketgrösse' },
    ],
    [
      'it-IT',
      {
        palette: 'importa prodotti',
        help: /Mantiene il catalogo Framework360 uguale a TotalGest/,
        label: 'Dimensione lotto',
      },
    ],
  ] as const) {
    it(`6. in ${locale} the palette, the help and the dialog labels are translated`, async () => {
      const context = await browser.newContext({ viewport: { width: 1600, height: 1000 }, locale });
      const p = await context.newPage();
      try {
        await openEditor(p);
        const label = await p
          .locator('.red-ui-palette-node[data-palette-type="tg-pull-products"] .red-ui-palette-label')
          .innerText();
        assert.equal(words(label), expect.palette);
        const pull = await showNode(p, 'tg-pull-products', 'TotalGest → Framework360');
        await p.evaluate((id) => {
          const RED = (window as any).RED;
          RED.view.select({ nodes: [RED.nodes.node(id)] });
          RED.sidebar.help.show('tg-pull-products');
        }, pull);
        await poll(
          async () => (await p.locator('.red-ui-help p').allInnerTexts()).join(' '),
          (t) => expect.help.test(t),
          UI_MS,
          'help in the sidebar',
        );
        await p.evaluate((id) => (window as any).RED.editor.edit((window as any).RED.nodes.node(id)), pull);
        await p.locator('#node-input-batchSize').waitFor();
        const dialogLabel = await p.locator('label[for="node-input-batchSize"]').innerText();
        assert.equal(words(dialogLabel), expect.label);
        await p.screenshot({ path: path.join(shots, `07-${locale}.png`) });
      } finally {
        await context.close();
      }
    });
  }
});
