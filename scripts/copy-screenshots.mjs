// npm run screenshots: the editor walk takes the screenshots; three of them go into the README.
import { copyFileSync, mkdirSync } from 'node:fs';
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
