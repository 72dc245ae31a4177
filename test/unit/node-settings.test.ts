import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  parseSettings,
  pullProductsRanges,
  pullProductsSettings,
  pushOrderRanges,
  pushOrderSettings,
  statusRanges,
  statusSettings,
} from '../../src/nodes/node-settings';

const html = (type: string) => readFileSync(path.join(__dirname, '../../nodes', `${type}.html`), 'utf8');

/** `name: { value: 100, validate: range('name', 1, 5000) }` in a node's editor defaults. */
function editorNumber(type: string, name: string): { value: number; min?: number; max?: number } {
  const m = new RegExp(
    `${name}: \\{ value: '?([0-9.]+)'?(?:, validate: range\\('${name}', ([0-9]+), ([0-9]+)\\))?`,
  ).exec(html(type));
  assert.ok(m, `${type}.html has no default for ${name}`);
  return { value: Number(m[1]), ...(m[2] ? { min: Number(m[2]), max: Number(m[3]) } : {}) };
}

describe('node settings: one schema per node, the same numbers as the editor', () => {
  it('the editor defaults and ranges are the schemas’ (which take the engine’s defaults)', () => {
    const pull = pullProductsSettings.parse({});
    for (const [name, range] of Object.entries(pullProductsRanges))
      assert.deepEqual(
        editorNumber('tg-pull-products', name),
        { value: pull[name as keyof typeof pull], min: range.min, max: range.max },
        name,
      );
    const push = pushOrderSettings.parse({});
    for (const [name, range] of Object.entries(pushOrderRanges))
      assert.deepEqual(
        editorNumber('tg-push-order', name),
        { value: push[name as keyof typeof push], min: range.min, max: range.max },
        name,
      );
    assert.equal(editorNumber('tg-status', 'exportWait').value, statusSettings.parse({}).exportWait);
    assert.match(html('tg-status'), new RegExp(`n <= ${statusRanges.exportWait.max}\\b`));
  });

  it('refuses instead of clamping; blank is the default', () => {
    const problem = (def: object) => {
      const r = parseSettings(pullProductsSettings, def);
      return r.ok ? r.settings.pageSize : `${r.problem.setting}: ${r.problem.reason} (got ${String(r.problem.got)})`;
    };
    assert.deepEqual(
      [problem({ pageSize: '900' }), problem({ pageSize: 0 }), problem({ pageSize: 'x' }), problem({ pageSize: 1.5 })],
      [
        'pageSize: must be a whole number from 1 to 500 (got 900)',
        'pageSize: must be a whole number from 1 to 500 (got 0)',
        'pageSize: must be a whole number from 1 to 500 (got x)',
        'pageSize: must be a whole number from 1 to 500 (got 1.5)',
      ],
    );
    assert.deepEqual([problem({}), problem({ pageSize: '' }), problem({ pageSize: ' 20 ' })], [500, 500, 20]);
  });

  it('a list setting: text, a number or an array of them; anything else refused naming it, never the default', () => {
    const statuses = (def: object) => {
      const r = parseSettings(pushOrderSettings, def);
      return r.ok
        ? r.settings.reconcileStatuses
        : `${r.problem.setting}: ${r.problem.reason} (got ${String(r.problem.got)}) list=${String(r.problem.list)}`;
    };
    assert.deepEqual(
      [
        statuses({}),
        statuses({ reconcileStatuses: null }),
        statuses({ reconcileStatuses: '' }),
        statuses({ reconcileStatuses: ' 3, 4 ' }),
        statuses({ reconcileStatuses: 3 }),
        statuses({ reconcileStatuses: ['3', 4] }),
      ],
      [['3'], ['3'], [], ['3', '4'], ['3'], ['3', '4']],
    );
    assert.deepEqual(
      [
        statuses({ reconcileStatuses: { 0: '3' } }),
        statuses({ reconcileStatuses: {} }),
        statuses({ reconcileStatuses: true }),
        statuses({ reconcileStatuses: ['3', { id: 4 }] }),
        statuses({ reconcileStatuses: Number.NaN }),
      ],
      [
        'reconcileStatuses: must be a comma-separated list (got {"0":"3"}) list=true',
        'reconcileStatuses: must be a comma-separated list (got {}) list=true',
        'reconcileStatuses: must be a comma-separated list (got true) list=true',
        'reconcileStatuses: must be a comma-separated list (got ["3",{"id":4}]) list=true',
        'reconcileStatuses: must be a comma-separated list (got NaN) list=true',
      ],
    );
    const cancelled = parseSettings(pushOrderSettings, { cancelledStatuses: { a: 1 } });
    assert.equal(cancelled.ok ? 'accepted' : cancelled.problem.setting, 'cancelledStatuses');
  });
});
