import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromiumAvailable, launchChromium } from '../helpers/demo';

/**
 * The package as a user gets it: `npm pack`, the tarball installed into a fresh Node-RED user
 * directory, Node-RED (the project's dev dependency, or NODE_RED_PACKAGE) started on it as its
 * own process on a loopback port picked by the system, its editor under a non-root httpAdminRoot
 * (as behind a proxy). What the editor needs must be served.
 */
const root = path.join(__dirname, '../..');
const MODULE = 'node-red-contrib-totalgest';
const TYPES = ['totalgest-config', 'framework360-config', 'tg-push-order', 'tg-pull-products', 'tg-status'];
const EXAMPLES = ['manual-export', 'order-export-webhook', 'product-sync', 'status-column'];
const ADMIN_ROOT = '/red-admin';

/** npm run by npm (`npm test`) passes its own npm_* settings on; the user's npm has none of them. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
}

describe('package: the packed tarball installed into a fresh Node-RED', function () {
  this.timeout(240_000);
  let work = '';
  let userDir = '';
  let red: ChildProcess | undefined;
  let base = '';
  let log = '';

  before(async () => {
    assert.ok(existsSync(path.join(root, 'dist/nodes/tg-push-order.js')), 'dist/ is missing: run npm run build');
    work = mkdtempSync(path.join(os.tmpdir(), 'tg-tarball-'));
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--pack-destination', work], {
        cwd: root,
        env: cleanEnv(),
        encoding: 'utf8',
      }),
    ) as {
      filename: string;
    }[];
    const tarball = path.join(work, packed[0]!.filename);
    userDir = path.join(work, 'user');
    mkdirSync(userDir);
    // The same better-sqlite3 as the project's, so the project's native build fits (a source build
    // of it would take minutes; the install scripts are skipped for that reason only).
    const sqliteDir = path.dirname(require.resolve('better-sqlite3/package.json'));
    const sqliteVersion = (
      JSON.parse(readFileSync(path.join(sqliteDir, 'package.json'), 'utf8')) as { version: string }
    ).version;
    writeFileSync(
      path.join(userDir, 'package.json'),
      JSON.stringify({ name: 'node-red-user', private: true, overrides: { 'better-sqlite3': sqliteVersion } }),
    );
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', tarball], {
      cwd: userDir,
      env: cleanEnv(),
      stdio: 'pipe',
    });
    const addonDir = path.join(userDir, 'node_modules/better-sqlite3/build/Release');
    mkdirSync(addonDir, { recursive: true });
    copyFileSync(path.join(sqliteDir, 'build/Release/better_sqlite3.node'), path.join(addonDir, 'better_sqlite3.node'));
    writeFileSync(
      path.join(userDir, 'settings.js'),
      `module.exports = { uiHost: '127.0.0.1', uiPort: 0, httpAdminRoot: '${ADMIN_ROOT}', flowFile: 'flows.json', credentialSecret: false,
  editorTheme: { tours: false, projects: { enabled: false } }, diagnostics: { enabled: false }, telemetry: { enabled: false } };\n`,
    );
    const redJs = require.resolve(`${process.env.NODE_RED_PACKAGE ?? 'node-red'}/red.js`);
    red = spawn(process.execPath, [redJs, '--userDir', userDir, '--settings', path.join(userDir, 'settings.js')], {
      env: { ...cleanEnv(), NODE_RED_ENABLE_PROJECTS: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const child = red;
    base = await new Promise<string>((resolve, reject) => {
      const onData = (d: Buffer) => {
        log += d.toString();
        const m = /Server now running at (http:\/\/127\.0\.0\.1:\d+)\//.exec(log);
        // Every request of this file is to the editor and its admin API, under httpAdminRoot.
        if (m) resolve(m[1]! + ADMIN_ROOT);
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => reject(new Error(`Node-RED exited (${code}) before it listened:\n${log}`)));
    });
  });

  after(async () => {
    if (red && red.exitCode === null && red.signalCode === null) {
      const exited = new Promise((r) => red!.once('exit', r));
      red.kill('SIGINT');
      await exited;
    }
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const get = async (p: string, accept = 'application/json'): Promise<Response> =>
    fetch(base + p, { headers: { Accept: accept } });

  it('installs the tarball itself: no source maps, no sources, the LICENSE, the sandbox bin', () => {
    const dir = path.join(userDir, 'node_modules', MODULE);
    assert.equal(lstatSync(dir).isSymbolicLink(), false);
    const files = (readdirSync(dir, { recursive: true }) as string[]).map((f) => f.split(path.sep).join('/'));
    assert.deepEqual(
      files.filter((f) => f.endsWith('.map') || f.startsWith('src/') || f.startsWith('test/')),
      [],
    );
    for (const f of [
      'LICENSE',
      'README.md',
      'package.json',
      'dist/nodes/tg-push-order.js',
      'dist/nodes/tg-push-order.html',
      'dist/sandbox/cli.js',
      'dist/web/browser/status-page.js',
      'resources/editor.js',
    ])
      assert.ok(files.includes(f), `${f} is in the package`);
    assert.ok(
      existsSync(path.join(userDir, 'node_modules/.bin/totalgest-sandbox')),
      'the totalgest-sandbox bin is linked',
    );
  });

  it('registers the five node types from the installed module, without an error', async () => {
    const sets = (await (await get('/nodes')).json()) as {
      module: string;
      types: string[];
      enabled: boolean;
      err?: string;
      version: string;
    }[];
    const version = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
    const ours = sets
      .filter((s) => s.module === MODULE)
      .map((s) => ({ types: s.types, enabled: s.enabled, err: s.err, version: s.version }))
      .sort((a, b) => (a.types[0]! < b.types[0]! ? -1 : 1));
    assert.deepEqual(
      ours,
      [...TYPES].sort().map((t) => ({ types: [t], enabled: true, err: undefined, version })),
    );
    assert.doesNotMatch(log, /\[error\]/);
    const runtime = (
      JSON.parse(
        readFileSync(require.resolve(`${process.env.NODE_RED_PACKAGE ?? 'node-red'}/package.json`), 'utf8'),
      ) as { version: string }
    ).version;
    // Node-RED run from a package install reports e.g. "4.1.15-git".
    assert.equal(
      ((await (await get('/settings')).json()) as { version: string }).version.replace(/-git$/, ''),
      runtime,
    );
  });

  it('serves the icons', async () => {
    const icons = (await (await get('/icons')).json()) as Record<string, string[]>;
    assert.deepEqual([...(icons[MODULE] ?? [])].sort(), ['tg-pull.svg', 'tg-push.svg', 'tg-status.svg']);
    for (const icon of icons[MODULE]!) {
      const res = await get(`/icons/${MODULE}/${icon}`, 'image/svg+xml');
      assert.equal(res.status, 200, icon);
      assert.match(res.headers.get('content-type') ?? '', /svg/, icon);
      assert.match(await res.text(), /<svg/, icon);
    }
  });

  it('serves the editor script the node forms load (relative to the editor, so under httpAdminRoot)', async () => {
    const html = await (await get('/nodes', 'text/html')).text();
    // Each node set of this module, and the scripts it loads by URL.
    const sets = html
      .split(/(?=<!-- --- \[red-module:)/)
      .filter((set) => set.startsWith(`<!-- --- [red-module:${MODULE}/`))
      .map((set) => ({
        type: /\[red-module:[^/]+\/(\S+)\]/.exec(set)![1]!,
        srcs: [...set.matchAll(/<script[^>]*\bsrc="([^"]+)"/g)].map((m) => m[1]!),
      }))
      .sort((a, b) => (a.type < b.type ? -1 : 1));
    const editorJs = `resources/${MODULE}/editor.js`;
    assert.deepEqual(
      sets,
      [...TYPES].sort().map((type) => ({ type, srcs: type === 'tg-status' ? [] : [`./${editorJs}`] })),
    );
    const res = await get(`/${editorJs}`, '*/*');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /javascript/);
    assert.match(await res.text(), /TotalGestEditor\.range|api\.range = function/);
  });

  it('in the editor: a node from the palette and an imported flow validate their numbers (blank = default)', async function () {
    if (!chromiumAvailable()) return this.skip();
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const failed: string[] = [];
      page.on('response', (r) => {
        if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
      });
      page.on('pageerror', (e) => failed.push(`page error: ${e.message}`));
      await page.goto(`${base}/`);
      // Node-RED shows the palette only once every node set (and the scripts they load) is in.
      await page.waitForSelector('.red-ui-palette-node[data-palette-type="tg-push-order"]', { timeout: 60_000 });
      await page.waitForFunction(() => !document.querySelector('#red-ui-loading'), undefined, { timeout: 60_000 });
      // A flow as an integrator imports it: blank numbers (the defaults), numbers in range, numbers out of range.
      const flow = [
        { id: 'tab1', type: 'tab', label: 'imported' },
        {
          id: 'tgok',
          type: 'totalgest-config',
          endpoint: 'tg00.bweb.ch',
          shopId: 's',
          ownerId: 'o',
          timeout: '',
          concurrency: 4,
          rateLimit: '0',
          maxAgeHours: '',
          deliveryDays: 7,
        },
        {
          id: 'tgbad',
          type: 'totalgest-config',
          endpoint: 'tg00.bweb.ch',
          shopId: 's',
          ownerId: 'o',
          timeout: 0,
          concurrency: '33',
          rateLimit: 1.5,
          maxAgeHours: 'x',
          deliveryDays: 366,
        },
        { id: 'fwok', type: 'framework360-config', siteUrl: 'shop.example.ch', timeout: '', concurrency: '32' },
        { id: 'fwbad', type: 'framework360-config', siteUrl: 'shop.example.ch', timeout: 301, concurrency: -1 },
        {
          id: 'pushok',
          type: 'tg-push-order',
          z: 'tab1',
          x: 200,
          y: 80,
          connection: 'tgok',
          framework360: 'fwok',
          waitTimeout: '',
          reconcileDays: 365,
          wires: [],
        },
        {
          id: 'pushbad',
          type: 'tg-push-order',
          z: 'tab1',
          x: 200,
          y: 140,
          connection: 'tgok',
          framework360: 'fwok',
          waitTimeout: 3601,
          reconcileDays: '0',
          wires: [],
        },
        {
          id: 'pullok',
          type: 'tg-pull-products',
          z: 'tab1',
          x: 200,
          y: 200,
          connection: 'tgok',
          framework360: 'fwok',
          batchSize: '',
          overlap: 0,
          pageSize: 500,
          maxConcurrency: '',
          wires: [[], []],
        },
        {
          id: 'pullbad',
          type: 'tg-pull-products',
          z: 'tab1',
          x: 200,
          y: 260,
          connection: 'tgok',
          framework360: 'fwok',
          batchSize: 5001,
          overlap: '-1',
          pageSize: 0,
          maxConcurrency: 65,
          wires: [[], []],
        },
      ];
      const errors = await page.evaluate((nodes) => {
        const RED = (window as any).RED;
        RED.view.importNodes(nodes, { generateIds: false });
        const out: Record<string, string[]> = {};
        for (const n of nodes.filter((x) => x.type !== 'tab')) {
          const node = RED.nodes.node(n.id);
          RED.editor.validateNode(node);
          out[n.id] = node.validationErrors;
        }
        return out;
      }, flow);
      /** The editor's text for a number out of range, from the node's English catalogue. */
      const range = (type: string, field: string, min: number, max: number) => {
        const texts = (
          JSON.parse(readFileSync(path.join(root, 'nodes/locales/en-US', `${type}.json`), 'utf8')) as Record<
            string,
            { label: Record<string, string>; validation: { range: string } }
          >
        )[type]!;
        return texts.validation.range
          .replace('__label__', texts.label[field]!)
          .replace('__min__', String(min))
          .replace('__max__', String(max));
      };
      assert.deepEqual(errors, {
        tgok: [],
        tgbad: [
          range('totalgest-config', 'timeout', 1, 300),
          range('totalgest-config', 'concurrency', 1, 32),
          range('totalgest-config', 'rateLimit', 0, 1000),
          range('totalgest-config', 'maxAgeHours', 1, 8760),
          range('totalgest-config', 'deliveryDays', 1, 365),
        ],
        fwok: [],
        fwbad: [range('framework360-config', 'timeout', 1, 300), range('framework360-config', 'concurrency', 1, 32)],
        pushok: [],
        pushbad: [range('tg-push-order', 'waitTimeout', 1, 3600), range('tg-push-order', 'reconcileDays', 1, 365)],
        pullok: [],
        pullbad: [
          range('tg-pull-products', 'batchSize', 1, 5000),
          range('tg-pull-products', 'overlap', 0, 86400),
          range('tg-pull-products', 'pageSize', 1, 500),
          range('tg-pull-products', 'maxConcurrency', 1, 64),
        ],
      });
      // A push node dragged from the palette: its numbers are the defaults, valid.
      const before = await page.evaluate(() => (window as any).RED.nodes.filterNodes({ type: 'tg-push-order' }).length);
      const paletteNode = page.locator('.red-ui-palette-node[data-palette-type="tg-push-order"]');
      await paletteNode.scrollIntoViewIfNeeded();
      const from = (await paletteNode.boundingBox())!;
      const to = (await page.locator('#red-ui-workspace-chart').boundingBox())!;
      await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
      await page.mouse.down();
      for (let i = 1; i <= 10; i++)
        await page.mouse.move(from.x + ((to.x + 500 - from.x) * i) / 10, from.y + ((to.y + 400 - from.y) * i) / 10);
      await page.mouse.up();
      const dropped = await page.waitForFunction(
        (n) => {
          const nodes = (window as any).RED.nodes.filterNodes({ type: 'tg-push-order' });
          if (nodes.length <= n) return undefined;
          const node = nodes.find((x: { id: string }) => x.id !== 'pushok' && x.id !== 'pushbad');
          return { waitTimeout: node.waitTimeout, reconcileDays: node.reconcileDays, errors: node.validationErrors };
        },
        before,
        { timeout: 60_000 },
      );
      const got = (await dropped.jsonValue()) as { waitTimeout: unknown; reconcileDays: unknown; errors: string[] };
      assert.deepEqual([got.waitTimeout, got.reconcileDays], [60, 7]);
      assert.deepEqual(
        got.errors.filter((e) => / a whole number from /.test(e)),
        [],
        got.errors.join(' | '),
      );
      // Its form: a number typed out of range is marked at once; blank (the default) and in range are not.
      const id = await page.evaluate(
        () =>
          (window as any).RED.nodes
            .filterNodes({ type: 'tg-push-order' })
            .find((x: { id: string }) => x.id !== 'pushok' && x.id !== 'pushbad').id as string,
      );
      await page.evaluate((i) => (window as any).RED.editor.edit((window as any).RED.nodes.node(i)), id);
      const field = page.locator('#node-input-reconcileDays');
      await field.waitFor({ state: 'visible', timeout: 60_000 });
      const marked: Array<[string, boolean]> = [];
      const expected: Record<string, boolean> = { '0': true, '': false, '365': false, '366': true, '7': false };
      for (const value of ['0', '', '365', '366', '7']) {
        await field.fill(value);
        await field.dispatchEvent('change');
        // The editor may mark the field a moment later on a loaded machine: wait (bounded) for the
        // expected mark, then record what the field shows — a wrong mark still fails below.
        await page
          .waitForFunction(
            ([want]) => document.querySelector('#node-input-reconcileDays')?.classList.contains('input-error') === want,
            [expected[value]] as const,
            { timeout: 5_000 },
          )
          .catch(() => undefined);
        marked.push([value, /\binput-error\b/.test((await field.getAttribute('class')) ?? '')]);
      }
      assert.deepEqual(marked, [
        ['0', true],
        ['', false],
        ['365', false],
        ['366', true],
        ['7', false],
      ]);
      await page.click('#node-dialog-cancel');
      assert.deepEqual(failed, []);
    } finally {
      await browser.close();
    }
  });

  it('serves the German and Italian message catalogues and help', async () => {
    const catalogue = async (lng: string) =>
      (await (await get(`/locales/${MODULE}/tg-push-order?lng=${lng}`)).json()) as Record<
        string,
        Record<string, unknown>
      >;
    const en = await catalogue('en-US');
    const de = await catalogue('de');
    const it = await catalogue('it');
    const label = (c: Record<string, Record<string, unknown>>) => c['tg-push-order']?.paletteLabel;
    assert.equal(label(en), 'push order');
    assert.equal(typeof label(de), 'string');
    assert.equal(typeof label(it), 'string');
    assert.notEqual(label(de), label(en));
    assert.notEqual(label(it), label(en));
    assert.notEqual(label(it), label(de));
    // Help: the editor asks /nodes for HTML in the browser's language.
    const help = async (lng: string) => {
      const html = await (
        await fetch(`${base}/nodes`, { headers: { Accept: 'text/html', 'Accept-Language': lng } })
      ).text();
      const at = html.indexOf('data-help-name="tg-push-order"');
      assert.ok(at > 0, `${lng}: tg-push-order help`);
      return html.slice(at, html.indexOf('</script>', at));
    };
    const [helpEn, helpDe, helpIt] = [await help('en-US'), await help('de'), await help('it')];
    assert.match(helpEn, /Exports completed Framework360 orders/);
    assert.notEqual(helpDe, helpEn);
    assert.notEqual(helpIt, helpEn);
    assert.notEqual(helpIt, helpDe);
  });

  it('lists the four example flows under Import → Examples, with placeholder connections and no credentials', async () => {
    // What the editor's Import → Examples dialog reads.
    const modules = (await (await get('/library/examples/flows/')).json()) as string[];
    assert.ok(modules.includes(MODULE), JSON.stringify(modules));
    const listing = (await (await get(`/library/examples/flows/${MODULE}`)).json()) as { fn?: string }[];
    assert.deepEqual(listing.map((e) => e.fn).sort(), EXAMPLES);
    for (const name of EXAMPLES) {
      const flow = (await (await get(`/library/examples/flows/${MODULE}/${name}`)).json()) as Record<string, unknown>[];
      const tg = flow.filter((n) => n.type === 'totalgest-config');
      assert.equal(tg.length, 1, name);
      assert.equal(tg[0]!.endpoint, 'tg00.bweb.ch', name);
      for (const fw of flow.filter((n) => n.type === 'framework360-config'))
        assert.equal(fw.siteUrl, 'shop.example.ch', name);
      assert.deepEqual(
        flow.filter((n) => 'credentials' in n),
        [],
        name,
      );
      assert.doesNotMatch(JSON.stringify(flow), /127\.0\.0\.1:84|demo-password|demo-key|sandbox/i, name);
    }
  });
});
