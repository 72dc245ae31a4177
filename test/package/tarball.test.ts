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

/**
 * The package as a user gets it: `npm pack`, the tarball installed into a fresh Node-RED user
 * directory, Node-RED (the project's dev dependency, or NODE_RED_PACKAGE) started on it as its
 * own process on a loopback port picked by the system. What the editor needs must be served.
 */
const root = path.join(__dirname, '../..');
const MODULE = 'node-red-contrib-totalgest';
const TYPES = ['totalgest-config', 'framework360-config', 'tg-push-order', 'tg-pull-products', 'tg-status'];
const EXAMPLES = ['manual-export', 'order-export-webhook', 'product-sync', 'status-column'];

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
      `module.exports = { uiHost: '127.0.0.1', uiPort: 0, flowFile: 'flows.json', credentialSecret: false,
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
        if (m) resolve(m[1]!);
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
