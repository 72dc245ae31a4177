/**
 * Review R-13 (issue 13): W1 against a real Node-RED process running the shipped example flows
 * (scripts/demo-lib.cjs: `http in` POST /fw360/webhook with "skip body parsing" on → tg-push-order,
 * webhook secret set). Ephemeral ports only. A failing test is a proven defect.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Framework360Sandbox } from '../../src/sandbox/framework360-sandbox';
import type { TotalGestSandbox } from '../../src/sandbox/totalgest-sandbox';
import { fixtures } from '../helpers/fixtures';
import { startFramework360, startTotalGest } from '../helpers/sandboxes';
import { waitFor } from '../helpers/red';

const demo = require('../../scripts/demo-lib.cjs') as {
  prepareUserDir(dir: string, opts: Record<string, unknown>): void;
  startNodeRed(dir: string, opts?: Record<string, unknown>): ChildProcess;
};

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

describe('security regressions found by adversarial review: in a real Node-RED process (example flows)', function () {
  this.timeout(90_000);
  let tg: TotalGestSandbox;
  let fw: Framework360Sandbox;
  let red: ChildProcess | undefined;
  let userDir = '';
  let base = '';

  before(async () => {
    tg = await startTotalGest();
    fw = await startFramework360();
    const port = await freePort();
    userDir = mkdtempSync(path.join(os.tmpdir(), 'tg-r13-real-'));
    demo.prepareUserDir(userDir, { port, tgPort: new URL(tg.url).port, fwPort: new URL(fw.url).port });
    red = demo.startNodeRed(userDir, { stdio: 'ignore' });
    base = `http://127.0.0.1:${port}`;
    let up = false;
    const poll = async () => {
      up = await fetch(`${base}/totalgest/status/`).then(
        (r) => r.status === 200,
        () => false,
      );
    };
    await waitFor(() => (void poll(), up), 60_000, 'Node-RED up');
  });
  after(async () => {
    if (red && red.exitCode === null) {
      const exited = new Promise((r) => red!.once('exit', r));
      red.kill('SIGTERM');
      await exited;
    }
    await tg.stop();
    await fw.stop();
    rmSync(userDir, { recursive: true, force: true });
  });

  it('W1 (real process): POST /FW360/WEBHOOK with a bare JSON order and no signature creates a TotalGest document', async () => {
    const order = {
      ...(structuredClone(fixtures.find(([f]) => f.startsWith('01'))![1].order) as Record<string, unknown>),
      id: 880001,
    };
    const exact = await fetch(`${base}/fw360/webhook`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(order),
    });
    assert.ok([400, 401].includes(exact.status), 'the exact URL is checked');
    const res = await fetch(`${base}/FW360/WEBHOOK`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(order),
    });
    const body = await res.text();
    if (res.status < 400) await waitFor(() => tg.orders.length > 0, 10_000, 'document').catch(() => undefined);
    assert.ok(
      res.status >= 400 && tg.orders.length === 0,
      `unsigned bare order answered ${res.status} ${body.slice(0, 120)}; TotalGest documents: ${JSON.stringify(tg.orders.map((o) => (o as { externalRef?: string }).externalRef ?? o))}`,
    );
  });
});
