import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';

/**
 * The nodes in a real Node-RED (the project's own, as its own process on a loopback port the
 * system picks) started with `lang` in its settings: the package is linked into the user
 * directory as `npm install <folder>` would, so Node-RED's loader registers its catalogues and
 * binds each node's RED._ — nothing of the runtime is stubbed. The statuses are read as the
 * editor reads them (its /comms websocket, which replays each node's last status); the errors as a
 * flow sees them (a catch node; an http in endpoint hands them to the test).
 */
const root = path.join(__dirname, '../..');

const flow = [
  { id: 't1', type: 'tab', label: 'language' },
  { id: 'c1', type: 'totalgest-config', endpoint: 'https://tg00.bweb.ch', shopId: 'demo-shop', ownerId: 'demo-owner' },
  // A refused setting: red from the start, and every input refused with it.
  { id: 'p1', z: 't1', type: 'tg-pull-products', connection: 'c1', pageSize: '900', wires: [[], []] },
  { id: 's1', z: 't1', type: 'tg-status', connection: 'c1', path: '/tg-language-status', wires: [[]] },
  { id: 'go', z: 't1', type: 'inject', once: true, onceDelay: 0.2, repeat: '', wires: [['p1', 's1']] },
  { id: 'ca', z: 't1', type: 'catch', scope: null, wires: [['keepError']] },
  {
    id: 'keepError',
    z: 't1',
    type: 'function',
    func: "flow.set('error_' + msg.error.source.id, msg.error.message); return null;",
    wires: [],
  },
  { id: 'probe', z: 't1', type: 'http in', url: '/probe', method: 'get', wires: [['answer']] },
  {
    id: 'answer',
    z: 't1',
    type: 'function',
    func: "msg.payload = { errorP1: flow.get('error_p1'), errorS1: flow.get('error_s1') }; return msg;",
    wires: [['reply']],
  },
  { id: 'reply', z: 't1', type: 'http response', wires: [] },
];

interface Seen {
  p1?: string;
  s1?: string;
  errorP1?: string;
  errorS1?: string;
}

async function runIn(lang: string | undefined): Promise<Seen> {
  const userDir = mkdtempSync(path.join(os.tmpdir(), `tg-lang-${lang ?? 'default'}-`));
  let red: ChildProcess | undefined;
  try {
    mkdirSync(path.join(userDir, 'node_modules'));
    symlinkSync(root, path.join(userDir, 'node_modules', 'node-red-contrib-totalgest'), 'dir');
    writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flow));
    writeFileSync(path.join(userDir, 'flows_cred.json'), JSON.stringify({ c1: { username: 'u', password: 'p' } }));
    writeFileSync(
      path.join(userDir, 'settings.js'),
      `module.exports = { uiHost: '127.0.0.1', uiPort: 0, flowFile: 'flows.json', credentialSecret: false,
  ${lang ? `lang: '${lang}',` : ''}
  editorTheme: { tours: false, projects: { enabled: false } }, diagnostics: { enabled: false }, telemetry: { enabled: false } };\n`,
    );
    const redJs = require.resolve(`${process.env.NODE_RED_PACKAGE ?? 'node-red'}/red.js`);
    // No locale from the environment: only settings.js decides (as on a server with LANG=C).
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !/^(npm_|LANG$|LANGUAGE$|LC_)/i.test(k)),
    );
    red = spawn(process.execPath, [redJs, '--userDir', userDir, '--settings', path.join(userDir, 'settings.js')], {
      env: { ...env, NODE_RED_ENABLE_PROJECTS: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const child = red;
    let log = '';
    const base = await new Promise<string>((resolve, reject) => {
      const onData = (d: Buffer) => {
        log += d.toString();
        // Node-RED's own log is in the runtime's language too ("Server läuft jetzt unter …"): the URL only.
        const m = /(http:\/\/127\.0\.0\.1:\d+)\//.exec(log);
        if (m) resolve(m[1]!);
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => reject(new Error(`Node-RED exited (${code}) before it listened:\n${log}`)));
      setTimeout(() => reject(new Error(`Node-RED did not listen within 60 s:\n${log}`)), 60_000).unref();
    });
    const statuses = new Map<string, string>();
    const ws = new WebSocket(`${base.replace('http', 'ws')}/comms`);
    ws.on('open', () => ws.send(JSON.stringify({ subscribe: 'status/#' })));
    ws.on('message', (data: Buffer) => {
      const parsed = JSON.parse(data.toString()) as unknown;
      for (const m of (Array.isArray(parsed) ? parsed : [parsed]) as Array<{
        topic?: string;
        data?: { text?: string };
      }>)
        if (m.topic?.startsWith('status/') && m.data?.text) statuses.set(m.topic.slice(7), m.data.text);
    });
    let seen: Seen = {};
    const deadline = Date.now() + 30_000;
    try {
      while (Date.now() < deadline) {
        const res = await fetch(`${base}/probe`).catch(() => undefined);
        if (res?.ok) seen = { p1: statuses.get('p1'), s1: statuses.get('s1'), ...((await res.json()) as Seen) };
        if (seen.p1 && seen.s1 && seen.errorP1 && seen.errorS1) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      ws.close();
    }
    assert.ok(seen.p1 && seen.s1 && seen.errorP1 && seen.errorS1, `${JSON.stringify(seen)}\n${log}`);
    return seen;
  } finally {
    if (red && red.exitCode === null && red.signalCode === null) {
      const exited = new Promise((r) => red!.once('exit', r));
      red.kill('SIGINT');
      await exited;
    }
    rmSync(userDir, { recursive: true, force: true });
  }
}

describe('runtime language: statuses and errors in the language Node-RED runs with', function () {
  this.timeout(120_000);
  before(() => assert.ok(existsSync(path.join(root, 'dist/nodes/tg-status.js')), 'run npm run build first'));

  it('Italian (settings.js lang: "it")', async () => {
    const seen = await runIn('it');
    assert.deepEqual(seen, {
      p1: 'pageSize: deve essere un numero intero da 1 a 500 (ricevuto: "900")',
      errorP1: 'Error: pageSize: deve essere un numero intero da 1 a 500 (ricevuto: "900")',
      s1: 'nessun token: API chiusa · ✓ 0 collegati · 0 non riusciti · 0 in coda',
      errorS1: 'Error: msg.payload.type deve essere "order", "product" o "summary"',
    });
  });

  it('German (settings.js lang: "de")', async () => {
    const seen = await runIn('de');
    assert.deepEqual(seen, {
      p1: 'pageSize: muss eine ganze Zahl von 1 bis 500 sein (erhalten: "900")',
      errorP1: 'Error: pageSize: muss eine ganze Zahl von 1 bis 500 sein (erhalten: "900")',
      s1: 'kein Token: API geschlossen · ✓ 0 verbunden · 0 Fehler · 0 wartend',
      errorS1: 'Error: msg.payload.type muss "order", "product" oder "summary" sein',
    });
  });

  it('en-US (no lang, no locale in the environment): the texts as they always were', async () => {
    const seen = await runIn(undefined);
    assert.deepEqual(seen, {
      p1: 'pageSize: must be a whole number from 1 to 500 (got "900")',
      errorP1: 'Error: pageSize: must be a whole number from 1 to 500 (got "900")',
      s1: 'no token: API closed · ✓ 0 linked · 0 failed · 0 queued',
      errorS1: 'Error: msg.payload.type must be "order", "product" or "summary"',
    });
  });
});
