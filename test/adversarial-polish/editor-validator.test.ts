import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import {
  parseSettings,
  pullProductsRanges,
  pullProductsSettings,
  pushOrderRanges,
  pushOrderSettings,
} from '../../src/nodes/node-settings';
import { outboxSettingsSchema, totalgestSettingsSchema } from '../../src/totalgest/settings';

/**
 * resources/editor.js is the editor's half of a numeric setting; the runtime's half is `rangedNumber`
 * (blank, whitespace or null → the default; a number or numeric text in range; anything else refused). A flow
 * imported into the editor hands the validator the raw JSON values. The validator read `Number(v)`: `null` and
 * `"  "` became 0 (marked red for a field from 1, although the runtime takes the default), `true` became 1 and
 * `[5]` became 5 (accepted by the editor, then refused by the runtime on every input). The real script runs
 * here in a plain VM context (its only dependency, RED._, names the message) and each verdict is compared with
 * the runtime's for the same value. The config nodes' fields use the same validator; their runtime half is
 * `wholeNumber`, which took whitespace for 0 (refused from 1) where `rangedNumber` takes it for blank.
 */
describe('adversarial-polish: the editor range validator agrees with the runtime', () => {
  const source = readFileSync(path.join(__dirname, '../../resources/editor.js'), 'utf8');
  const ctx: Record<string, any> = { RED: { _: (key: string) => key } };
  ctx.window = ctx;
  vm.runInNewContext(source, ctx);
  const editor = ctx.TotalGestEditor as {
    range: (type: string, field: string, min: number, max: number) => (v: unknown, opt?: unknown) => true | string;
  };

  const cases = [
    { type: 'tg-pull-products', field: 'batchSize', r: pullProductsRanges.batchSize, schema: pullProductsSettings },
    { type: 'tg-pull-products', field: 'overlap', r: pullProductsRanges.overlap, schema: pullProductsSettings },
    { type: 'tg-push-order', field: 'waitTimeout', r: pushOrderRanges.waitTimeout, schema: pushOrderSettings },
  ] as const;
  // The config nodes: the field alone, checked against its own schema (the other fields are not the question).
  const configCases = [
    { type: 'totalgest-config', field: 'timeout', min: 1, max: 300, schema: totalgestSettingsSchema.shape.timeout },
    {
      type: 'totalgest-config',
      field: 'rateLimit',
      min: 0,
      max: 1000,
      schema: totalgestSettingsSchema.shape.rateLimit,
    },
    {
      type: 'totalgest-config',
      field: 'maxAgeHours',
      min: 1,
      max: 8760,
      schema: outboxSettingsSchema.shape.maxAgeHours,
    },
  ] as const;
  const values: unknown[] = [undefined, null, '', '  ', '5', ' 5 ', 5, 0, '0', 1.5, 'x', true, false, [5], [], {}];

  for (const c of cases)
    it(`${c.type} ${c.field}: valid in the editor exactly when the runtime accepts it`, () => {
      const validate = editor.range(c.type, c.field, c.r.min, c.r.max);
      const disagree = values
        .map((v) => ({
          v: v === undefined ? 'undefined' : JSON.stringify(v),
          editor: validate(v, {}) === true,
          runtime: parseSettings(c.schema as never, { [c.field]: v }).ok,
        }))
        .filter((x) => x.editor !== x.runtime);
      assert.deepEqual(disagree, []);
    });

  for (const c of configCases)
    it(`${c.type} ${c.field}: valid in the editor exactly when the runtime accepts it`, () => {
      const validate = editor.range(c.type, c.field, c.min, c.max);
      const disagree = values
        .map((v) => ({
          v: v === undefined ? 'undefined' : JSON.stringify(v),
          editor: validate(v, {}) === true,
          runtime: c.schema.safeParse(v).success,
        }))
        .filter((x) => x.editor !== x.runtime);
      assert.deepEqual(disagree, []);
    });
});
