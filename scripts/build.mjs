// Compiles src/ to dist/ and lays the editor files where Node-RED looks for them:
// dist/nodes/<type>.html beside <type>.js, locales/ and icons/ beside them.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
// The runtime, then the status page's browser script (its own compiler settings: DOM, no modules).
for (const project of ['tsconfig.json', 'tsconfig.browser.json'])
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, project)], {
    stdio: 'inherit',
  });
const out = join(dist, 'nodes');
mkdirSync(out, { recursive: true });
for (const f of readdirSync(join(root, 'nodes'))) if (f.endsWith('.html')) cpSync(join(root, 'nodes', f), join(out, f));
cpSync(join(root, 'nodes/locales'), join(out, 'locales'), { recursive: true });
if (existsSync(join(root, 'icons'))) cpSync(join(root, 'icons'), join(out, 'icons'), { recursive: true });
console.log('build: dist/ ready');
