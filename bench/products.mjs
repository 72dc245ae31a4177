// Product sync speed: products/s and peak RSS of full syncs of 10,000 and 100,000 articles in
// emit mode, against a bare HTTP client downloading the same pages; an incremental run with
// nothing changed; the write-mode rate of 10,000 products against the Framework360 sandbox at
// 20 ms latency, against a bare client firing the same writes unbounded.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { post, root, startSandboxes, table } from './lib.mjs';

const run = (tg, fw, mode, env = {}) =>
  JSON.parse(
    execFileSync(process.execPath, [join(root, 'bench/products-run.mjs'), tg, fw, mode], {
      encoding: 'utf8',
      env: { ...process.env, ...env },
    })
      .trim()
      .split('\n')
      .pop(),
  );
const rows = [];
const sizes = (process.env.BENCH_SIZES ?? '10000,100000').split(',').map(Number);
// Pairs of runs (bare, then sync) per size: on a shared machine one pair can be off by a third;
// the table shows the medians, and the ratio is the median of the pairs' ratios.
const repeat = Math.max(1, Number(process.env.BENCH_REPEAT ?? 3));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const peaks = {};
for (const size of sizes) {
  const sb = await startSandboxes({ tgPort: 18460, fwPort: 18461, articles: size });
  try {
    run(sb.tg, sb.fw, 'bare'); // warm the sandbox's JIT
    const pairs = [];
    for (let i = 0; i < repeat; i++) pairs.push([run(sb.tg, sb.fw, 'bare'), run(sb.tg, sb.fw, 'incremental')]);
    const rateOf = (r) => r.products / (r.ms / 1000);
    const bareRate = median(pairs.map(([b]) => rateOf(b)));
    const rate = median(pairs.map(([, e]) => rateOf(e)));
    const ratios = pairs.map(([b, e]) => rateOf(e) / rateOf(b));
    const barePeak = median(pairs.map(([b]) => b.peakRssMb));
    const peak = median(pairs.map(([, e]) => e.peakRssMb));
    const atStart = (i) => median(pairs.map((p) => p[i].rssAtStartMb));
    const last = pairs.at(-1)[1];
    peaks[size] = peak;
    rows.push({
      run: `baseline: bare HTTP download, ${size.toLocaleString('en-US')}`,
      'products/s': bareRate.toFixed(0),
      'vs baseline': '1.00',
      'peak RSS MB': barePeak.toFixed(0),
      notes: `RSS ${atStart(0).toFixed(0)} MB at the start; ${pairs.map(([b]) => rateOf(b).toFixed(0)).join(', ')}/s`,
    });
    rows.push({
      run: `full sync, emit mode, ${size.toLocaleString('en-US')}`,
      'products/s': rate.toFixed(0),
      'vs baseline': median(ratios).toFixed(2),
      'peak RSS MB': peak.toFixed(0),
      notes: `RSS ${atStart(1).toFixed(0)} MB at the start; ratios ${ratios.map((r) => r.toFixed(2)).join(', ')}; peak RSS +${(peak - barePeak).toFixed(0)} MB; incremental with nothing changed: ${last.incrementalMs.toFixed(0)} ms (${last.incrementalFetched} fetched)`,
    });
  } finally {
    sb.stop();
  }
}
// Writes: 10,000 changed products into the Framework360 sandbox answering after 20 ms, the
// sync (adaptive concurrency) beside a bare client firing the same writes all at once.
const writeSize = Number(process.env.BENCH_WRITE_SIZE ?? 10000);
const writeLatency = Number(process.env.BENCH_WRITE_LATENCY ?? 20);
const writes = {};
// BENCH_WRITE_SIZE=0 skips the write runs (quick loops on the feed).
for (const which of writeSize > 0 ? ['bare-write', 'bare-write-64', 'write'] : []) {
  // A fresh sandbox pair for each, so each writes into an empty shop.
  const sbw = await startSandboxes({ tgPort: 18462, fwPort: 18463, articles: writeSize });
  try {
    await post(`${sbw.fw}/_sandbox/faults`, { latencyMs: writeLatency });
    writes[which] =
      which === 'bare-write-64'
        ? run(sbw.tg, sbw.fw, 'bare-write', { BENCH_BARE_CONCURRENCY: '64' })
        : run(sbw.tg, sbw.fw, which);
  } finally {
    sbw.stop();
  }
}
const wr = (r) => r.written / (r.ms / 1000);
if (writeSize > 0) {
  const bareWRate = wr(writes['bare-write']);
  rows.push({
    run: `baseline: bare client, ${writeSize.toLocaleString('en-US')} products/save all at once, ${writeLatency} ms latency`,
    'products/s': bareWRate.toFixed(0),
    'vs baseline': '1.00',
    'peak RSS MB': writes['bare-write'].peakRssMb.toFixed(0),
    notes: `${writes['bare-write'].written} written`,
  });
  rows.push({
    run: '  the same bare client, 64 in flight',
    'products/s': wr(writes['bare-write-64']).toFixed(0),
    'vs baseline': (wr(writes['bare-write-64']) / bareWRate).toFixed(2),
    'peak RSS MB': writes['bare-write-64'].peakRssMb.toFixed(0),
    notes: `${writes['bare-write-64'].written} written`,
  });
  const w = writes.write;
  rows.push({
    run: `full sync, write mode (adaptive, ceiling 64), ${writeSize.toLocaleString('en-US')}`,
    'products/s': wr(w).toFixed(0),
    'vs baseline': (wr(w) / bareWRate).toFixed(2),
    'peak RSS MB': w.peakRssMb.toFixed(0),
    notes: `${w.written} written, ${w.failed} failed; concurrency peak ${w.concurrency?.peak}, ${w.concurrency?.backoffs} backoffs; ${((wr(w) / wr(writes['bare-write-64'])) * 100).toFixed(0)} % of the bare client at 64`,
  });
}
table('Product sync (TotalGest sandbox in a separate process)', rows);
if (peaks[10000] && peaks[100000])
  console.log(`\nPeak RSS growth from 10,000 to 100,000 articles: ${(peaks[100000] - peaks[10000]).toFixed(1)} MB`);
