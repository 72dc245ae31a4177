import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';

/**
 * A real Node-RED as its own process (test/nodes/runtime-language.test.ts, test/adversarial-15): the package
 * linked into a fresh user directory, `lang` in settings.js, no locale from the environment.
 * Statuses are read from the editor's /comms websocket; every error a Catch node sees and every
 * message the flow sends to the `keep` node are answered on GET /probe.
 */
const root = path.join(__dirname, '../..');

export interface Probe {
  /** Catch messages' error.message by source node id (the last one). */
  errors: Record<string, string>;
  /** Payloads sent to the `keep` node, in order. */
  outputs: unknown[];
}

export interface Running {
  base: string;
  statuses: Map<string, { text?: string; fill?: string }>;
  probe(): Promise<Probe>;
  /** Polls until `cond` holds (a positive signal), failing with what was seen after `ms`. */
  until(cond: (p: Probe) => boolean, what: string, ms?: number): Promise<Probe>;
  log(): string;
}

/** Nodes every flow gets: a Catch for all, a `keep` node for outputs, GET /probe answering both. */
const probeNodes = (tab: string) => [
  { id: 'ca', z: tab, type: 'catch', scope: null, wires: [['keepError']] },
  {
    id: 'keepError',
    z: tab,
    type: 'function',
    func: "const e = flow.get('errors') || {}; e[msg.error.source.id] = msg.error.message; flow.set('errors', e); return null;",
    wires: [],
  },
  {
    id: 'keep',
    z: tab,
    type: 'function',
    func: "const o = flow.get('outputs') || []; o.push(msg.payload); flow.set('outputs', o); return null;",
    wires: [],
  },
  { id: 'probe', z: tab, type: 'http in', url: '/probe', method: 'get', wires: [['answer']] },
  {
    id: 'answer',
    z: tab,
    type: 'function',
    func: "msg.payload = { errors: flow.get('errors') || {}, outputs: flow.get('outputs') || [] }; return msg;",
    wires: [['reply']],
  },
  { id: 'reply', z: tab, type: 'http response', wires: [] },
];

export async function withNodeRed(
  opts: { lang?: string; flow: object[]; creds?: Record<string, unknown>; tab?: string },
  body: (rt: Running) => Promise<void>,
): Promise<void> {
  const tab = opts.tab ?? 't1';
  const userDir = mkdtempSync(path.join(os.tmpdir(), `tg-adv15-${opts.lang ?? 'default'}-`));
  let red: ChildProcess | undefined;
  let ws: WebSocket | undefined;
  try {
    mkdirSync(path.join(userDir, 'node_modules'));
    symlinkSync(root, path.join(userDir, 'node_modules', 'node-red-contrib-totalgest'), 'dir');
    const flow = [{ id: tab, type: 'tab', label: 'adv15' }, ...opts.flow, ...probeNodes(tab)];
    writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flow));
    writeFileSync(path.join(userDir, 'flows_cred.json'), JSON.stringify(opts.creds ?? {}));
    writeFileSync(
      path.join(userDir, 'settings.js'),
      `module.exports = { uiHost: '127.0.0.1', uiPort: 0, flowFile: 'flows.json', credentialSecret: false,
  ${opts.lang ? `lang: '${opts.lang}',` : ''}
  editorTheme: { tours: false, projects: { enabled: false } }, diagnostics: { enabled: false }, telemetry: { enabled: false } };\n`,
    );
    const redJs = require.resolve(`${process.env.NODE_RED_PACKAGE ?? 'node-red'}/red.js`);
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
        const m = /(http:\/\/127\.0\.0\.1:\d+)\//.exec(log);
        if (m) resolve(m[1]!);
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => reject(new Error(`Node-RED exited (${code}) before it listened:\n${log}`)));
      setTimeout(() => reject(new Error(`Node-RED did not listen within 60 s:\n${log}`)), 60_000).unref();
    });
    const statuses = new Map<string, { text?: string; fill?: string }>();
    const socket = new WebSocket(`${base.replace('http', 'ws')}/comms`);
    ws = socket;
    socket.on('open', () => socket.send(JSON.stringify({ subscribe: 'status/#' })));
    socket.on('message', (data: Buffer) => {
      const parsed = JSON.parse(data.toString()) as unknown;
      for (const m of (Array.isArray(parsed) ? parsed : [parsed]) as Array<{
        topic?: string;
        data?: { text?: string; fill?: string };
      }>)
        if (m.topic?.startsWith('status/') && m.data) statuses.set(m.topic.slice(7), m.data);
    });
    const probe = async (): Promise<Probe> => {
      const res = await fetch(`${base}/probe`).catch(() => undefined);
      return res?.ok ? ((await res.json()) as Probe) : { errors: {}, outputs: [] };
    };
    // Node-RED logs its URL before the flows run: /probe (the flow's last nodes) answering means they do.
    for (const deadline = Date.now() + 30_000; ;) {
      const res = await fetch(`${base}/probe`).catch(() => undefined);
      if (res?.ok) break;
      assert.ok(Date.now() < deadline, `the flows did not start within 30 s:\n${log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const until = async (cond: (p: Probe) => boolean, what: string, ms = 30_000): Promise<Probe> => {
      const deadline = Date.now() + ms;
      let seen = await probe();
      while (!cond(seen)) {
        assert.ok(
          Date.now() < deadline,
          `timed out waiting for ${what}: ${JSON.stringify(seen)} ${JSON.stringify([...statuses])}\n${log}`,
        );
        await new Promise((r) => setTimeout(r, 100));
        seen = await probe();
      }
      return seen;
    };
    await body({ base, statuses, probe, until, log: () => log });
  } finally {
    ws?.close();
    if (red && red.exitCode === null && red.signalCode === null) {
      const exited = new Promise((r) => red!.once('exit', r));
      red.kill('SIGINT');
      await exited;
    }
    rmSync(userDir, { recursive: true, force: true });
  }
}
