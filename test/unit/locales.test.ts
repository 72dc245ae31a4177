import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { nodeTexts, runtimeLocale } from '../../src/nodes/i18n';

const root = path.join(__dirname, '../..');
const locales = path.join(root, 'nodes/locales');
const LANGS = ['en-US', 'de', 'it'];

/** Every string leaf of a catalogue, by its dotted key. */
function leaves(obj: unknown, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(key, v);
    else for (const [kk, vv] of leaves(v, key)) out.set(kk, vv);
  }
  return out;
}

const catalogue = (lang: string, file: string) =>
  leaves(JSON.parse(readFileSync(path.join(locales, lang, file), 'utf8')) as unknown);
const placeholders = (text: string) => [...text.matchAll(/__([A-Za-z0-9_]+?)__/g)].map((m) => m[1]).sort();

describe('message catalogues (nodes/locales)', () => {
  const files = readdirSync(path.join(locales, 'en-US'));

  it('every language has the same files', () => {
    for (const lang of LANGS) assert.deepEqual(readdirSync(path.join(locales, lang)).sort(), [...files].sort(), lang);
  });

  for (const file of files.filter((f) => f.endsWith('.json'))) {
    it(`${file}: the same keys in en-US, de and it, each with the same placeholders`, () => {
      const en = catalogue('en-US', file);
      for (const lang of ['de', 'it']) {
        const other = catalogue(lang, file);
        assert.deepEqual([...other.keys()].sort(), [...en.keys()].sort(), `${lang}/${file}: keys`);
        for (const [key, text] of en)
          assert.deepEqual(placeholders(other.get(key)!), placeholders(text), `${lang}/${file}: ${key}`);
        for (const [key, text] of other) assert.ok(text.trim() !== '', `${lang}/${file}: ${key} is empty`);
      }
    });
  }

  it('every literal runtime key the node files use exists in en-US', () => {
    const missing: string[] = [];
    for (const f of readdirSync(path.join(root, 'src/nodes')).filter((x) => x.endsWith('.ts'))) {
      const src = readFileSync(path.join(root, 'src/nodes', f), 'utf8');
      const type = f.replace(/\.ts$/, '');
      const own = readdirSync(path.join(locales, 'en-US')).includes(`${type}.json`)
        ? catalogue('en-US', `${type}.json`)
        : new Map<string, string>();
      const shared = catalogue('en-US', 'totalgest-config.json');
      for (const m of src.matchAll(/\b(t|common)\(\s*'([A-Za-z0-9_.]+)'/g)) {
        const [, fn, key] = m;
        const cat = fn === 'common' || ['red-helpers', 'node-settings', 'report-text'].includes(type) ? shared : own;
        const ns = fn === 'common' || cat === shared ? 'totalgest-config' : type;
        if (!cat.has(`${ns}.runtime.${key}`)) missing.push(`${f}: ${key}`);
      }
    }
    assert.deepEqual(missing, []);
  });

  it('the texts of each language read with the placeholders filled and numbers in its own format', () => {
    // A stand-in for Node-RED's RED._ (bound to the node's namespace): the catalogue of one language.
    const redIn = (lang: string) => ({
      _: (key: string, params?: Record<string, string | number>) => {
        const text = catalogue(lang, 'tg-status.json').get(key);
        return text === undefined ? key : text.replace(/__(\w+?)__/g, (w, n: string) => String(params?.[n] ?? w));
      },
    });
    const counts = { linked: 12_345, failed: 2, queued: 0 };
    assert.equal(
      nodeTexts(redIn('en-US'), 'tg-status')('status.counts', counts),
      '12,345 linked · 2 failed · 0 queued',
    );
    assert.equal(
      nodeTexts(redIn('de'), 'tg-status')('status.counts', counts),
      '12.345 verbunden · 2 Fehler · 0 wartend',
    );
    assert.equal(
      nodeTexts(redIn('it'), 'tg-status')('status.counts', counts),
      '12.345 collegati · 2 non riusciti · 0 in coda',
    );
    // node-red-node-test-helper's RED._ answers the key: the en-US catalogue beside the node is used.
    assert.equal(
      nodeTexts({ _: (k: string) => k }, 'tg-status')('status.counts', counts),
      '12,345 linked · 2 failed · 0 queued',
    );
  });

  it("numbers follow the runtime's region when it speaks the catalogue's language (de-CH: 12’345)", () => {
    assert.equal(runtimeLocale('de-CH', {}), 'de-CH');
    assert.equal(runtimeLocale(undefined, { LANG: 'it_CH.UTF-8' }), 'it-CH');
    assert.equal(runtimeLocale('', { LC_ALL: 'de_DE.UTF-8', LANG: 'en_US.UTF-8' }), 'de-DE');
    assert.equal(runtimeLocale(undefined, { LANG: 'C.UTF-8' }), undefined);
    const de = (key: string) => key.replace(/^tg-status\.runtime\.locale$/, 'de');
    // The German catalogue answers `locale: de`; a Swiss runtime groups with ’, a German one with a dot.
    // (ICU writes the Swiss separator as ' or ’ depending on its version)
    assert.match(nodeTexts({ _: de, settings: { lang: 'de-CH' } }, 'tg-status').num(12345), /^12['’]345$/);
    assert.equal(nodeTexts({ _: de, settings: { lang: 'de-DE' } }, 'tg-status').num(12345), '12.345');
    // English words never come with another language's numbers.
    assert.equal(nodeTexts({ _: (k: string) => k, settings: { lang: 'de-CH' } }, 'tg-status').num(12345), '12,345');
  });
});
