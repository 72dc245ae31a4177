import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Framework360Sandbox } from '../../src/sandbox/framework360-sandbox';
import type { TotalGestSandbox, TotalGestSandboxOptions } from '../../src/sandbox/totalgest-sandbox';
import { startFramework360, startTotalGest } from './sandboxes';
import helper from 'node-red-node-test-helper';

/**
 * node-red-node-test-helper on the built package (dist/), as Node-RED loads it. NODE_RED_PACKAGE
 * picks another Node-RED from the lock file (`node-red-5` in CI's Node 22 stage).
 */
helper.init(require.resolve(process.env.NODE_RED_PACKAGE ?? 'node-red'));

export const dist = (file: string): unknown => require(path.join(__dirname, '../../dist/nodes', file));
export { helper };

export function waitFor(cond: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (cond()) return resolve();
      if (Date.now() - t0 > timeoutMs) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 10);
    };
    tick();
  });
}

/**
 * Both sandboxes for a test file, and a fresh Node-RED test runtime (with its own user
 * directory) for each test; everything stopped and removed afterwards.
 */
export function nodeRedWithSandboxes(
  prefix: string,
  tgOptions: TotalGestSandboxOptions = {},
): { readonly tg: TotalGestSandbox; readonly fw: Framework360Sandbox; readonly userDir: string } {
  const env = {} as { tg: TotalGestSandbox; fw: Framework360Sandbox; userDir: string };
  before(async () => {
    env.tg = await startTotalGest(tgOptions);
    env.fw = await startFramework360();
  });
  beforeEach(async () => {
    env.userDir = mkdtempSync(path.join(os.tmpdir(), prefix));
    helper.settings({ userDir: env.userDir });
    env.tg.reset();
    env.fw.reset();
    await helper.startServer();
  });
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
    rmSync(env.userDir, { recursive: true, force: true });
  });
  after(async () => {
    await env.tg.stop();
    await env.fw.stop();
  });
  return env;
}
