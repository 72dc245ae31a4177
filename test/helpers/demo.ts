import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export interface Demo {
  ports: { red: number; tg: number; fw: number };
  url: { red: string; tg: string; fw: string };
  stop(): Promise<void>;
}

/** `npm start` as a user runs it, on the given ports, with its own user directory. */
export async function startDemo(base: number, name: string): Promise<Demo> {
  const ports = { red: base, tg: base + 1, fw: base + 2 };
  const child: ChildProcess = spawn(process.execPath, [path.join(__dirname, '../../scripts/demo.mjs')], {
    env: {
      ...process.env,
      DEMO_NODE_RED_PORT: String(ports.red),
      TG_SANDBOX_PORT: String(ports.tg),
      FW360_SANDBOX_PORT: String(ports.fw),
      DEMO_USER_DIR: path.join(__dirname, '../artifacts', `userdir-${name}`),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  // A generous bound: only a hang should fail, not a slow start on a loaded machine.
  for (let i = 0; i < 1200 && !/Started flows/.test(output); i++) await new Promise((r) => setTimeout(r, 100));
  if (!/Started flows/.test(output)) {
    child.kill('SIGKILL');
    throw new Error(`the demo did not start:\n${output}`);
  }
  return {
    ports,
    url: {
      red: `http://127.0.0.1:${ports.red}`,
      tg: `http://127.0.0.1:${ports.tg}`,
      fw: `http://127.0.0.1:${ports.fw}`,
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGINT');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

export const CHROMIUM = '/usr/bin/chromium';

/** Debian's chromium, headless, without the background traffic this closed network refuses. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Browser tests need Debian's chromium; CI installs it, so there a missing browser is a failure. */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run must install Debian's chromium`);
  return false;
}

export async function poll<T>(
  fn: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() - t0 > timeoutMs)
      throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v).slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function getJson(url: string, init?: RequestInit): Promise<any> {
  return (await fetch(url, init)).json();
}
