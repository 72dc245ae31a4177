import path from 'node:path';
import helper from 'node-red-node-test-helper';

/** node-red-node-test-helper on the built package (dist/), as Node-RED loads it. */
helper.init(require.resolve('node-red'));

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
