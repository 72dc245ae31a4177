import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { artifacts, FULL, report } from './harness';

/** After the whole run: the table of what was injected and what came out, written by the suite. */
after(() => {
  if (report.length === 0) return;
  const node = process.version;
  const commit = (() => {
    try {
      return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  })();
  const esc = (v: unknown) => String(v).replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = [
    '# Reliability report',
    '',
    `Produced by \`${FULL ? 'npm run test:reliability' : 'npm test'}\` (${FULL ? 'full' : 'fast'} variant) on ${new Date().toISOString().slice(0, 10)}, commit ${commit}, Node.js ${node}, ${os.cpus().length} cores. Every row is a real run: the sandboxes and a real Node-RED process with the example flows; nothing here is typed by hand.`,
    '',
    'The tests assert outcomes — nothing lost, nothing doubled, every refusal explained, no request before its Retry-After on the sandbox’s own clock — never how fast: the figures in "measured" are what this run measured on this machine, not limits a run must meet. Throughput and latency are measured by `npm run bench`.',
    '',
    '| scenario | injected | orders sent | exported | duplicates | lost | measured |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...report.map(
      (r) =>
        `| ${esc(r.scenario)} | ${esc(r.injected)} | ${esc(r.sent)} | ${esc(r.exported)} | ${esc(r.duplicates)} | ${esc(r.lost)} | ${esc(r.notes)} |`,
    ),
    '',
  ];
  const file = FULL ? path.join(__dirname, '../../docs/reliability.md') : path.join(artifacts, 'reliability-fast.md');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, lines.join('\n'));
  console.log(`\nreliability report written to ${path.relative(process.cwd(), file)}`);
});
