import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { parseSettings, pushOrderSettings } from '../../src/nodes/node-settings';

/**
 * `cancelledStatuses` and `reconcileStatuses` that are not a list are now refused by the runtime (every input,
 * or the sweep alone), naming the setting. The editor's form declares no validator for them: a flow imported
 * with `"cancelledStatuses": true`, `{}` or `[{"id": 5}]` shows a valid node, deploys, and then refuses every
 * order. The node's real editor script (the `text/javascript` of nodes/tg-push-order.html, with the shared
 * resources/editor.js loaded first) runs here in a plain VM context that records what it registers; each value
 * must be valid in the editor exactly when the runtime accepts it (the other settings left as the editor's defaults).
 */
describe('adversarial-polish: the list settings are validated in the editor as the runtime reads them', () => {
  const root = path.join(__dirname, '../..');
  type Defaults = Record<string, { value: unknown; validate?: (v: unknown, opt?: unknown) => true | string }>;
  const registered: Record<string, { defaults: Defaults }> = {};
  const ctx: Record<string, any> = {
    RED: {
      _: (key: string) => key,
      nodes: { registerType: (type: string, def: { defaults: Defaults }) => (registered[type] = def) },
    },
  };
  ctx.window = ctx;
  vm.runInNewContext(readFileSync(path.join(root, 'resources/editor.js'), 'utf8'), ctx);
  const html = readFileSync(path.join(root, 'nodes/tg-push-order.html'), 'utf8');
  for (const m of html.matchAll(/<script type="text\/javascript">([\s\S]*?)<\/script>/g))
    vm.runInNewContext(m[1]!, ctx);
  const defaults = registered['tg-push-order']!.defaults;

  const values: unknown[] = [
    '',
    ',,,',
    ' , ',
    '5,Annullato',
    5,
    0,
    [],
    ['5', 'Annullato'],
    [5, 7],
    ['a,b'],
    [' ', ''],
    null,
    true,
    false,
    {},
    { id: 5 },
    [{ id: 5 }],
    [true],
    [null],
  ];

  for (const field of ['cancelledStatuses', 'reconcileStatuses'] as const)
    it(`${field}: valid in the editor exactly when the runtime accepts it`, () => {
      const base = Object.fromEntries(Object.entries(defaults).map(([k, d]) => [k, d.value]));
      const disagree = values
        .map((v) => ({
          v: JSON.stringify(v),
          editor: (defaults[field]!.validate?.(v, {}) ?? true) === true,
          runtime: parseSettings(pushOrderSettings, { ...base, [field]: v }).ok,
        }))
        .filter((x) => x.editor !== x.runtime);
      assert.deepEqual(disagree, []);
    });
});
