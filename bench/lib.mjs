// Shared helpers for the benchmarks: sandboxes in a child process (so they do not share the
// measured event loop), percentiles, and a table printer.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const require = createRequire(import.meta.url);
export const dist = (p) => require(join(root, 'dist', p));

export async function startSandboxes({ tgPort, fwPort, articles = 500, webhookUrl, tokenLifetimeMs }) {
  const args = [
    join(root, 'dist/sandbox/cli.js'),
    '--tg-port',
    String(tgPort),
    '--fw-port',
    String(fwPort),
    '--articles',
    String(articles),
  ];
  if (webhookUrl) args.push('--webhook-url', webhookUrl);
  if (tokenLifetimeMs) args.push('--token-lifetime', String(tokenLifetimeMs));
  const child = spawn(process.execPath, ['--max-old-space-size=4096', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the sandboxes did not start within ${WAIT_MS} ms:\n${out}`));
    }, WAIT_MS);
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('Framework360 sandbox')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sandbox exited ${code}`));
    });
  });
  return { tg: `http://127.0.0.1:${tgPort}`, fw: `http://127.0.0.1:${fwPort}`, stop: () => child.kill('SIGTERM') };
}

export async function post(url, body) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body ?? {}),
    signal: AbortSignal.timeout(WAIT_MS),
  });
  return res.json();
}

/** The bound on every wait of a benchmark (BENCH_WAIT_MS): past it, the run reports what is missing. */
export const WAIT_MS = Number(process.env.BENCH_WAIT_MS ?? 120_000);

/** Polls `cond` until it holds (true) or `timeoutMs` passes (false); never waits forever. */
export async function waitUntil(cond, timeoutMs, everyMs = 5) {
  const t0 = performance.now();
  for (;;) {
    if (await cond()) return true;
    if (performance.now() - t0 > timeoutMs) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export function table(title, rows) {
  const cols = Object.keys(rows[0]);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells) => '| ' + cells.map((c, i) => String(c).padEnd(width[i])).join(' | ') + ' |';
  console.log(`\n${title}\n`);
  console.log(line(cols));
  console.log('|' + width.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const r of rows) console.log(line(cols.map((c) => r[c])));
}

/** Runs `n` async tasks with at most `concurrency` at a time. */
export async function pool(n, concurrency, task) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await task(next++);
    }),
  );
}
