import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromiumAvailable, launchChromium } from '../helpers/demo';

/**
 * The node forms load resources/editor.js with `<script src="resources/node-red-contrib-totalgest/editor.js">`.
 * Node-RED's editor (appendConfig in red.js) defers a node set until every such script has fired `onload`; it
 * sets no `onerror`, so a script that does not load stops the whole editor: no palette, no flows, for every
 * module, not only ours. The path names the package, so the package installed under another name (here:
 * republished under a company scope, `@acme/node-red-contrib-totalgest`, as a private registry holds it) is
 * enough: Node-RED serves its resources at resources/@acme/…, the forms ask for resources/node-red-contrib-
 * totalgest/… and get 404. Before the shared script the forms had no request that could fail. The package is
 * linked into a fresh user directory (dist and resources as built), Node-RED runs as its own process on a port
 * the system picks, and Chromium opens the editor: it must finish loading (the core palette and the flows).
 */
describe('adversarial-polish: the editor loads when the shared editor script cannot be fetched', function () {
  this.timeout(180_000);
  const root = path.join(__dirname, '../..');
  let work = '';
  let red: ChildProcess | undefined;
  let base = '';

  /** Links the package into a fresh user directory under `name` and starts Node-RED on it. */
  async function startAs(name: string): Promise<void> {
    work = mkdtempSync(path.join(os.tmpdir(), 'tg-polish-editor-'));
    const pkgDir = path.join(work, 'node_modules', name);
    mkdirSync(pkgDir, { recursive: true });
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(path.join(pkgDir, 'package.json'), JSON.stringify({ ...pkg, name }));
    for (const d of ['dist', 'resources', 'examples']) symlinkSync(path.join(root, d), path.join(pkgDir, d), 'dir');
    writeFileSync(
      path.join(work, 'flows.json'),
      JSON.stringify([
        { id: 'tab1', type: 'tab', label: 'Flow 1' },
        { id: 'inj', type: 'inject', z: 'tab1', name: 'a flow that must show', x: 150, y: 80, wires: [] },
      ]),
    );
    writeFileSync(
      path.join(work, 'settings.js'),
      `module.exports = { uiHost: '127.0.0.1', uiPort: 0, flowFile: 'flows.json', credentialSecret: false,
  editorTheme: { tours: false, projects: { enabled: false } }, diagnostics: { enabled: false }, telemetry: { enabled: false } };\n`,
    );
    red = spawn(
      process.execPath,
      [require.resolve('node-red/red.js'), '--userDir', work, '--settings', path.join(work, 'settings.js')],
      { env: { ...process.env, NODE_RED_ENABLE_PROJECTS: 'false' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const child = red;
    let log = '';
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
    // The package's nodes are registered under that name: the runtime side is fine.
    const nodes = (await (await fetch(`${base}/nodes`, { headers: { Accept: 'application/json' } })).json()) as {
      module: string;
      types: string[];
    }[];
    assert.ok(
      nodes.some((n) => n.module === name && n.types.includes('tg-push-order')),
      JSON.stringify(nodes.map((n) => n.module)),
    );
  }

  /** Opens the editor; resolves once it has loaded (the loader gone, the flow imported), with what it shows. */
  async function openEditor() {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const failed: string[] = [];
      page.on('response', (r) => {
        if (r.status() >= 400) failed.push(`${r.status()} ${r.url().replace(base, '')}`);
      });
      await page.goto(`${base}/`);
      // The positive signal: the loader is gone once Node-RED has appended every node set and imported the flows.
      const loaded = await page
        .waitForFunction(
          () => !document.querySelector('#red-ui-loading') && (window as any).RED?.nodes?.node?.('inj') !== undefined,
          undefined,
          { timeout: 60_000 },
        )
        .then(
          () => true,
          () => false,
        );
      assert.ok(loaded, `the editor never finished loading; failed requests: ${failed.join(', ')}`);
      const inject = await page.locator('.red-ui-palette-node[data-palette-type="inject"]').count();
      // The push node's form: registered, and what its validator says of a number out of range.
      const push = await page.evaluate(() => {
        const def = (window as any).RED.nodes.getType('tg-push-order');
        if (!def) return undefined;
        const notList = def.defaults.cancelledStatuses.validate(true, {}) as unknown;
        return { registered: true, zero: def.defaults.reconcileDays.validate('0', {}) as unknown, notList };
      });
      return { inject, push, failed };
    } finally {
      await browser.close();
    }
  }

  afterEach(async () => {
    if (red && red.exitCode === null && red.signalCode === null) {
      const exited = new Promise((r) => red!.once('exit', r));
      red.kill('SIGINT');
      await exited;
    }
    if (work) rmSync(work, { recursive: true, force: true });
    red = undefined;
    work = '';
  });

  it('the package under another name: the palette and the flows load, the forms register', async function () {
    if (!chromiumAvailable()) return this.skip();
    await startAs('@acme/node-red-contrib-totalgest');
    const got = await openEditor();
    assert.equal(got.inject, 1);
    assert.equal(got.push?.registered, true);
  });

  it('the package under its own name: the forms use the shared validator, nothing fails to load', async function () {
    if (!chromiumAvailable()) return this.skip();
    await startAs('node-red-contrib-totalgest');
    const got = await openEditor();
    assert.deepEqual(got.failed, []);
    assert.equal(got.inject, 1);
    assert.equal(typeof got.push?.zero, 'string', 'reconcileDays 0 is refused by the shared validator');
    assert.equal(got.push?.notList, 'Cancelled statuses: a comma-separated list');
  });
});
