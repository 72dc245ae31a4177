// Product sync speed (issue: product sync): products/s and peak RSS of full syncs of 10,000
// and 100,000 articles in emit mode, against a bare HTTP client downloading the same pages;
// the write-mode rate against the Framework360 sandbox; an incremental run with nothing changed.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { root, startSandboxes, table } from './lib.mjs';

const run = (tg, fw, mode) =>
  JSON.parse(
    execFileSync(process.execPath, [join(root, 'bench/products-run.mjs'), tg, fw, mode], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .pop(),
  );
const rows = [];
const sizes = (process.env.BENCH_SIZES ?? '10000,100000').split(',').map(Number);
const peaks = {};
for (const size of sizes) {
  const sb = await startSandboxes({ tgPort: 18460, fwPort: 18461, articles: size });
  try {
    run(sb.tg, sb.fw, 'bare'); // warm the sandbox's JIT
    const bare = run(sb.tg, sb.fw, 'bare');
    const emit = run(sb.tg, sb.fw, 'incremental');
    const bareRate = bare.products / (bare.ms / 1000);
    const rate = emit.products / (emit.ms / 1000);
    peaks[size] = emit.peakRssMb;
    rows.push({
      run: `baseline: bare HTTP download, ${size.toLocaleString('en-US')}`,
      'products/s': bareRate.toFixed(0),
      'vs baseline': '1.00',
      'peak RSS MB': bare.peakRssMb.toFixed(0),
      notes: '',
    });
    rows.push({
      run: `full sync, emit mode, ${size.toLocaleString('en-US')}`,
      'products/s': rate.toFixed(0),
      'vs baseline': (rate / bareRate).toFixed(2),
      'peak RSS MB': emit.peakRssMb.toFixed(0),
      notes: `incremental with nothing changed: ${emit.incrementalMs.toFixed(0)} ms (${emit.incrementalFetched} fetched)`,
    });
  } finally {
    sb.stop();
  }
}
const writeSize = Number(process.env.BENCH_WRITE_SIZE ?? 10000);
const sbw = await startSandboxes({ tgPort: 18462, fwPort: 18463, articles: writeSize });
try {
  const w = run(sbw.tg, sbw.fw, 'write');
  rows.push({
    run: `full sync, write mode (products/save, 8 parallel), ${writeSize.toLocaleString('en-US')}`,
    'products/s': (w.products / (w.ms / 1000)).toFixed(0),
    'vs baseline': '',
    'peak RSS MB': w.peakRssMb.toFixed(0),
    notes: `${w.written} written, ${w.failed} failed`,
  });
} finally {
  sbw.stop();
}
table('Product sync (TotalGest sandbox in a separate process)', rows);
if (peaks[10000] && peaks[100000]) console.log(`\nPeak RSS growth from 10,000 to 100,000 articles: ${(peaks[100000] - peaks[10000]).toFixed(1)} MB`);
