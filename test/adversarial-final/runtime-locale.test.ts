/**
 * runtimeLocale: read as Node-RED reads the runtime's language; a script subtag is no region; odd values
 * never throw in a status render.
 */
import assert from 'node:assert/strict';
import { nodeTexts, runtimeLocale } from '../../src/nodes/i18n';

describe('adversarial-final: runtimeLocale', () => {
  it('an empty LC_ALL is read as Node-RED reads it (set: Node-RED then speaks English, so no region applies)', () => {
    // @node-red/util i18n getCurrentLocale takes the first variable present, even empty: the region must follow the
    // same variable, or numbers could take a region the catalogue does not speak.
    assert.equal(runtimeLocale(undefined, { LC_ALL: '', LANG: 'de_CH.UTF-8' }), undefined);
  });

  it('a script subtag is skipped, not read as the region (de-Latn-CH is Swiss, not Laos)', () => {
    assert.equal(runtimeLocale('de-Latn-CH', {}), 'de-CH');
    assert.equal(runtimeLocale(undefined, { LANG: 'zh_Hant_TW.UTF-8' }), 'zh-TW');
    assert.equal(runtimeLocale(undefined, { LANG: 'sr-Latn-RS' }), 'sr-RS');
  });

  it('odd values: C, POSIX, @modifiers; an invalid settings.lang never throws', () => {
    assert.equal(runtimeLocale(undefined, { LANG: 'C' }), undefined);
    assert.equal(runtimeLocale(undefined, { LANG: 'POSIX' }), undefined);
    assert.equal(runtimeLocale(undefined, { LANG: 'de_CH@euro' }), 'de-CH');
    const de = (key: string) => key.replace(/^tg-status\.runtime\.locale$/, 'de');
    for (const lang of ['de-Latn-CH', 'de_', 'de-XX-YY', '12', 'de-999', 'de-CH-u-nu-arab', { x: 1 }, 'de\u0000CH'])
      assert.doesNotThrow(() => nodeTexts({ _: de, settings: { lang } }, 'tg-status').num(12345), String(lang));
  });
});
