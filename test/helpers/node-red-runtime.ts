import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { helper } from './red';

/**
 * A fresh Node-RED test runtime with its own user directory for each test (no sandboxes; see
 * nodeRedWithSandboxes for both), `seed` run on the directory before the runtime starts; everything
 * stopped and removed afterwards. `userDir` is set once the test's beforeEach ran.
 */
export function nodeRedPerTest(prefix: string, seed?: (userDir: string) => void): { readonly userDir: string } {
  const rt = { userDir: '' };
  beforeEach(async () => {
    rt.userDir = mkdtempSync(path.join(os.tmpdir(), prefix));
    seed?.(rt.userDir);
    helper.settings({ userDir: rt.userDir });
    await helper.startServer();
  });
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
    rmSync(rt.userDir, { recursive: true, force: true });
  });
  return rt;
}
