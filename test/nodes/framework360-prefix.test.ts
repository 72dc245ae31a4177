import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REF_PREFIX_PATTERN } from '../../src/core/order-mapping';
import { dist, helper } from '../helpers/red';

const fwConfig = dist('framework360-config.js');

interface PrefixNode {
  refPrefix(): string;
  configError: string | undefined;
}

/** The externalRef prefix option of the Framework360 connection, as Node-RED loads it. */
describe('framework360-config: externalRef prefix', () => {
  let userDir: string;
  before(() => {
    userDir = mkdtempSync(path.join(os.tmpdir(), 'tg-prefix-'));
    helper.settings({ userDir });
  });
  beforeEach(() => helper.startServer());
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });
  after(() => rmSync(userDir, { recursive: true, force: true }));

  async function load(over: Record<string, unknown>): Promise<PrefixNode> {
    await helper.load(fwConfig, [{ id: 'f1', type: 'framework360-config', siteUrl: 'shop.example.ch', ...over }], {
      f1: { apiKey: 'k' },
    });
    return helper.getNode('f1') as unknown as PrefixNode;
  }

  it('defaults to FW360- for a flow saved before the option existed', async () => {
    const n = await load({});
    assert.deepEqual([n.refPrefix(), n.configError], ['FW360-', undefined]);
  });

  it('hands out the configured prefix', async () => {
    const n = await load({ refPrefix: 'SHOP2_' });
    assert.deepEqual([n.refPrefix(), n.configError], ['SHOP2_', undefined]);
  });

  it('refuses an invalid prefix by name instead of falling back to the default', async () => {
    // An empty field (or a flow from before the option) means the default, as the editor's blank does.
    const blank = await load({ refPrefix: '' });
    assert.deepEqual([blank.configError, blank.refPrefix()], [undefined, 'FW360-']);
    await helper.unload();
    const cases: Array<[string, string]> = [
      ['a'.repeat(21), 'externalRef prefix must be 1 to 20 characters long, got 21'],
      ['shop 2', 'externalRef prefix may only hold letters A-Z, digits, "_" and "-", got "shop 2"'],
    ];
    const got: Array<[string, string | undefined, string]> = [];
    for (const [prefix] of cases) {
      const n = await load({ refPrefix: prefix });
      let thrown = '';
      try {
        n.refPrefix();
      } catch (err) {
        thrown = (err as Error).message;
      }
      got.push([prefix, n.configError, thrown]);
      await helper.unload();
    }
    assert.deepEqual(
      got,
      cases.map(([prefix, message]) => [prefix, message, message]),
    );
  });

  it('validates in the editor with the same pattern as the runtime', () => {
    const html = readFileSync(path.join(__dirname, '../../nodes/framework360-config.html'), 'utf8');
    const m =
      /refPrefix: \{ value: 'FW360-', validate: function \(v\) \{ return v === undefined \|\| v === null \|\| v === '' \|\| \/(.+?)\/\.test\(v\); \} \}/.exec(
        html,
      );
    assert.equal(m?.[1], REF_PREFIX_PATTERN.source);
  });

  it('has a label and help in en-US, de and it', () => {
    const got = ['en-US', 'de', 'it'].map((lang) => {
      const dir = path.join(__dirname, '../../nodes/locales', lang);
      const labels = JSON.parse(readFileSync(path.join(dir, 'framework360-config.json'), 'utf8'))['framework360-config']
        .label;
      const help = readFileSync(path.join(dir, 'framework360-config.html'), 'utf8');
      return [
        lang,
        typeof labels.refPrefix === 'string' && labels.refPrefix.length > 0,
        help.includes(`<dt>${labels.refPrefix} `),
        help.includes('Idempotency-Key'),
      ];
    });
    assert.deepEqual(got, [
      ['en-US', true, true, true],
      ['de', true, true, true],
      ['it', true, true, true],
    ]);
  });
});
