// npm run screenshots: the editor walk takes the screenshots; three of them go into the README.
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const from = join(root, 'test/artifacts/editor');
const to = join(root, 'docs/images');
mkdirSync(to, { recursive: true });
for (const [src, dst] of [
  ['01-palette.png', 'palette.png'],
  ['04-product-sync.png', 'product-sync-flow.png'],
  ['05-manual-export-report.png', 'manual-export-report.png'],
]) {
  copyFileSync(join(from, src), join(to, dst));
  console.log(`docs/images/${dst}`);
}
// Taken by the browser suite (test/browser/manual-export.test.ts): copied when it has run.
for (const [src, dst] of [
  ['status-page-export-report.png', 'status-page-export-report.png'],
  ['shop-admin-orders-export.png', 'shop-admin-orders-export.png'],
]) {
  const file = join(root, 'test/artifacts', src);
  if (!existsSync(file)) {
    console.log(`docs/images/${dst}: kept (run the browser suite to take it anew)`);
    continue;
  }
  copyFileSync(file, join(to, dst));
  console.log(`docs/images/${dst}`);
}
