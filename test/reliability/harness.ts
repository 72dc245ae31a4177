import { type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import { Framework360Sandbox } from '../../src/sandbox/framework360-sandbox';
import { TotalGestSandbox } from '../../src/sandbox/totalgest-sandbox';

const demoLib = require('../../scripts/demo-lib.cjs') as {
  DEMO_SECRETS: Secrets;
  demoFlows(ports: { tgPort: number; fwPort: number }): Array<Record<string, any>>;
  prepareUserDir(userDir: string, opts: Record<string, unknown>): void;
  startNodeRed(userDir: string, opts: Record<string, unknown>): ChildProcess;
};

export interface Secrets {
  username: string;
  password: string;
  apiKey: string;
  webhookSecret: string;
  statusToken: string;
}

export const FULL = process.env.RELIABILITY === 'full';
export const artifacts = path.join(__dirname, '../artifacts');

export interface HarnessOptions {
  name: string;
  basePort: number;
  articles?: number;
  tokenLifetimeMs?: number;
  secrets?: Partial<Secrets>;
  /** Extra settings.js properties (source text). */
  settings?: string;
  /** Change the example flows before they are written. */
  editFlows?: (flows: Array<Record<string, any>>) => Array<Record<string, any>>;
}

/**
 * Real processes for the reliability scenarios: the sandboxes in this process (so the test
 * can inject faults and read what they received) and a Node-RED child process running the
 * example flows — one that can be killed, restarted and redeployed.
 */
export class Harness {
  readonly tg: TotalGestSandbox;
  readonly fw: Framework360Sandbox;
  readonly userDir: string;
  readonly ports: { red: number; tg: number; fw: number };
  readonly secrets: Secrets;
  red: ChildProcess | undefined;
  output = '';

  constructor(readonly opts: HarnessOptions) {
    this.ports = { red: opts.basePort, tg: opts.basePort + 1, fw: opts.basePort + 2 };
    this.secrets = { ...demoLib.DEMO_SECRETS, ...opts.secrets };
    this.userDir = path.join(artifacts, `reliability-${opts.name}`);
    this.tg = new TotalGestSandbox({
      articles: opts.articles ?? 200,
      demoArticles: true,
      tokenLifetimeMs: opts.tokenLifetimeMs,
      users: [{ username: this.secrets.username, password: this.secrets.password }],
    });
    this.fw = new Framework360Sandbox({
      apiKey: this.secrets.apiKey,
      webhookSecret: this.secrets.webhookSecret,
      webhookUrl: `http://127.0.0.1:${this.ports.red}/fw360/webhook`,
      statusUrl: `http://127.0.0.1:${this.ports.red}/totalgest/status`,
      statusToken: this.secrets.statusToken,
      redeliveryDelayMs: 100,
      maxRedeliveryDelayMs: 1000,
    });
  }

  get redUrl(): string {
    return `http://127.0.0.1:${this.ports.red}`;
  }

  async start(): Promise<void> {
    mkdirSync(artifacts, { recursive: true });
    await this.tg.start(this.ports.tg);
    await this.fw.start(this.ports.fw);
    let flows = demoLib.demoFlows({ tgPort: this.ports.tg, fwPort: this.ports.fw });
    if (this.opts.editFlows) flows = this.opts.editFlows(flows);
    demoLib.prepareUserDir(this.userDir, {
      port: this.ports.red,
      tgPort: this.ports.tg,
      fwPort: this.ports.fw,
      secrets: this.secrets,
      settings: this.opts.settings,
      flows,
    });
    await this.startRed();
  }

  async startRed(): Promise<void> {
    this.output = '';
    process.env.TG_PROBE_DIR = this.userDir;
    const red = demoLib.startNodeRed(this.userDir, {
      stdio: ['ignore', 'pipe', 'pipe'],
      execArgv: ['--require', path.join(__dirname, 'probe.cjs')],
    });
    red.stdout!.on('data', (d: Buffer) => (this.output += d.toString()));
    red.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
    this.red = red;
    // A generous bound (a loaded machine starts Node-RED in seconds): only a hang should fail.
    for (let i = 0; i < 1200 && !/Started flows/.test(this.output); i++) {
      if (red.exitCode !== null) break;
      await sleep(50);
    }
    if (!/Started flows/.test(this.output)) throw new Error(`Node-RED did not start:\n${this.output}`);
    red.once('exit', (code, signal) => {
      if (signal !== 'SIGKILL' && signal !== 'SIGINT' && code !== 0)
        this.output += `\n[Node-RED exited: code ${code}, signal ${signal}]`;
    });
  }

  /** SIGKILL: no close handlers, no flush — a crash. */
  async killRed(): Promise<void> {
    const red = this.red;
    if (!red || red.exitCode !== null) return;
    const exited = new Promise((r) => red.once('exit', r));
    red.kill('SIGKILL');
    await exited;
  }

  async stopRed(): Promise<void> {
    const red = this.red;
    if (!red || red.exitCode !== null) return;
    const exited = new Promise((r) => red.once('exit', r));
    red.kill('SIGINT');
    await exited;
  }

  async stop(): Promise<void> {
    await this.stopRed();
    await this.fw.stop();
    await this.tg.stop();
  }

  /** What the Node-RED process holds right now (via the preloaded probe). */
  async probe(): Promise<{ kinds: Record<string, number>; files: string[] }> {
    const file = path.join(this.userDir, 'probe.json');
    rmSync(file, { force: true });
    this.red!.kill('SIGWINCH');
    for (let i = 0; i < 1500 && !existsSync(file); i++) await sleep(20);
    return JSON.parse(readFileSync(file, 'utf8')) as { kinds: Record<string, number>; files: string[] };
  }

  async json(pathname: string, init?: RequestInit): Promise<any> {
    let res: Response;
    try {
      // The status API needs the flow's token (demo-status-token unless the test sets another).
      const auth: Record<string, string> = pathname.startsWith('/totalgest/status')
        ? { Authorization: `Bearer ${this.secrets.statusToken}` }
        : {};
      res = await fetch(`${this.redUrl}${pathname}`, {
        ...init,
        headers: { ...auth, ...(init?.headers as Record<string, string> | undefined) },
      });
    } catch (err) {
      throw new Error(
        `${pathname}: ${String((err as Error & { cause?: unknown }).cause ?? err)} (Node-RED ${this.red?.exitCode === null ? 'running' : `exited ${this.red?.exitCode}`})`,
      );
    }
    return res.json();
  }

  /** Every message the editor would receive (debug sidebar, node status), from Node-RED's comms socket. */
  listen(token?: string): { messages: Array<{ topic: string; data: any }>; ready: Promise<void>; close(): void } {
    const messages: Array<{ topic: string; data: any }> = [];
    const ws = new WebSocket(`ws://127.0.0.1:${this.ports.red}/comms`);
    let markReady: () => void = () => undefined;
    const ready = new Promise<void>((r) => (markReady = r));
    let subscribed = false;
    const subscribe = () => {
      ws.send(JSON.stringify({ subscribe: '#' }));
      subscribed = true;
      // Node-RED answers a subscription with its retained messages (node status, runtime state):
      // the first one says the subscription is live. The timer only covers a runtime with none.
      setTimeout(markReady, 5000);
    };
    ws.on('open', () => (token ? ws.send(JSON.stringify({ auth: token })) : subscribe()));
    ws.on('message', (raw) => {
      try {
        const parsed = JSON.parse(raw.toString()) as
          Array<{ topic: string; data: any; auth?: string }> | { topic: string; data: any; auth?: string };
        for (const m of Array.isArray(parsed) ? parsed : [parsed]) {
          if (m.auth === 'ok') subscribe();
          else if (subscribed) markReady();
          messages.push(m);
        }
      } catch {
        // not JSON: ignore
      }
    });
    ws.on('error', () => undefined);
    return { messages, ready, close: () => ws.close() };
  }

  /** externalRef → how many documents TotalGest received for it. */
  exportedCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const o of this.tg.orders) counts.set(o.externalRef, (counts.get(o.externalRef) ?? 0) + 1);
    return counts;
  }
}

/**
 * Asks Node-RED for its status summary every 50 ms until stopped: each sample's start and end on
 * this process's clock (the sandboxes' clock too) and the slowest round trip, the measured
 * yardstick for tolerances under whatever load the machine has.
 */
export function sampleRoundTrips(h: Harness): {
  stop(): Promise<{ samples: Array<{ start: number; end: number }>; worst: number }>;
} {
  const samples: Array<{ start: number; end: number }> = [];
  let worst = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const start = Date.now();
      const t = performance.now();
      await h.json('/totalgest/status/summary');
      worst = Math.max(worst, performance.now() - t);
      samples.push({ start, end: Date.now() });
      await sleep(50);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { samples, worst };
    },
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function until(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** Rows for docs/reliability.md, written by the suite itself. */
export const report: Array<{
  scenario: string;
  injected: string;
  sent: number | string;
  exported: number | string;
  duplicates: number | string;
  lost: number | string;
  notes: string;
}> = [];
