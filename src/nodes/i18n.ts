import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { NodeAPI } from 'node-red';

/**
 * Runtime texts of a node type from its message catalogue (`nodes/locales/<lang>/<type>.json`,
 * section `<type>.runtime`), in the language the Node-RED runtime runs with (settings.js `lang`,
 * else the LC_ALL/LC_MESSAGES/LANG of its process; en-US when the catalogue lacks it).
 *
 * Node-RED binds a node module's `RED._` to the module's catalogue namespace
 * (`<module>/<type>`, @node-red/registry util.createNodeApi), so a key is `<type>.runtime.<key>`
 * and placeholders are `__name__`. Where `RED._` cannot resolve it — it answers the key itself, as
 * node-red-node-test-helper's stub does — the text comes from the en-US catalogue beside this file.
 */
export type TextParams = Record<string, string | number | undefined>;

export interface NodeTexts {
  /** The text of `<type>.runtime.<key>`; number parameters are formatted for the language. */
  (key: string, params?: TextParams): string;
  /** A count or rate as the runtime's language writes it ("1,234" / "1.234"). */
  num(n: number): string;
  /** The BCP 47 locale the numbers are formatted in (the catalogue's `runtime.locale`, with the runtime's region). */
  readonly locale: string;
}

const fallbacks = new Map<string, Record<string, unknown>>();

/** The en-US catalogue of a type: beside the compiled node (dist/nodes/locales) or, from src, in nodes/locales. */
function fallbackCatalogue(type: string): Record<string, unknown> {
  let cat = fallbacks.get(type);
  if (!cat) {
    const file = [
      path.join(__dirname, 'locales', 'en-US', `${type}.json`),
      path.join(__dirname, '..', '..', 'nodes', 'locales', 'en-US', `${type}.json`),
    ].find((f) => existsSync(f));
    cat = file ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
    fallbacks.set(type, cat);
  }
  return cat;
}

function lookup(catalogue: Record<string, unknown>, key: string): string | undefined {
  let at: unknown = catalogue;
  for (const part of key.split('.')) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return typeof at === 'string' ? at : undefined;
}

/** i18next's interpolation as Node-RED configures it: `__name__`, no escaping. */
export function interpolate(text: string, params: Record<string, string> = {}): string {
  return text.replace(/__([A-Za-z0-9_]+?)__/g, (whole, name: string) => params[name] ?? whole);
}

/** The package's module name: the first part of each node type's catalogue namespace. */
const MODULE = 'node-red-contrib-totalgest';

/**
 * `namespaced`: look the key up in `<module>/<type>` explicitly, for texts a node borrows from
 * another type's catalogue (the shared ones live in totalgest-config's).
 */
/**
 * The runtime's full locale where it names a region (`de-CH` from settings.js `lang`, or `de_CH.UTF-8`
 * from the environment): Node-RED picks the catalogue by language only, but a Swiss runtime writes
 * 12’345, not 12.345.
 */
export function runtimeLocale(settingsLang: unknown, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromEnv = ['LC_ALL', 'LC_MESSAGES', 'LANG'].map((n) => env[n]).find((v) => v !== undefined);
  const raw = typeof settingsLang === 'string' && settingsLang !== '' ? settingsLang : fromEnv;
  // language, an optional script (skipped: Latn is no region), region; then nothing alphanumeric (`.UTF-8`, `@euro`).
  const m = /^([a-z]{2,3})(?:[-_][A-Za-z]{4})?(?:[-_]([A-Za-z]{2}|\d{3}))?(?![A-Za-z0-9])/.exec(raw ?? '');
  return m ? (m[2] ? `${m[1]}-${m[2].toUpperCase()}` : m[1]) : undefined;
}

/** The catalogue's locale, with the runtime's region when both speak the same language. */
function numberLocale(catalogueLocale: string, regional: string | undefined): string {
  const base = (l: string) => l.split('-')[0]!.toLowerCase();
  return regional && regional.includes('-') && base(regional) === base(catalogueLocale) ? regional : catalogueLocale;
}

export function nodeTexts(
  RED: Partial<Pick<NodeAPI, '_'>> & { settings?: unknown },
  type: string,
  namespaced = false,
): NodeTexts {
  const raw = (key: string, params?: Record<string, string>): string => {
    const full = `${type}.runtime.${key}`;
    const asked = namespaced ? `${MODULE}/${type}:${full}` : full;
    const text = typeof RED._ === 'function' ? RED._(asked, params) : asked;
    // A missing key comes back as the key (i18next), or the whole question (test helper stub).
    if (typeof text === 'string' && text !== full && text !== asked && text !== '') return text;
    const fallback = lookup(fallbackCatalogue(type), full);
    return fallback === undefined ? full : interpolate(fallback, params);
  };
  let format: Intl.NumberFormat | undefined;
  let locale = 'en-US';
  const num = (n: number): string => {
    if (!format) {
      const settingsLang = (RED.settings as { lang?: unknown } | undefined)?.lang;
      const wanted = numberLocale(raw('locale'), runtimeLocale(settingsLang));
      try {
        format = new Intl.NumberFormat(wanted);
        locale = wanted;
      } catch {
        format = new Intl.NumberFormat('en-US');
      }
    }
    return format.format(n);
  };
  const t = ((key: string, params: TextParams = {}): string => {
    const texts: Record<string, string> = {};
    for (const [k, v] of Object.entries(params)) if (v !== undefined) texts[k] = typeof v === 'number' ? num(v) : v;
    return raw(key, texts);
  }) as NodeTexts;
  Object.defineProperty(t, 'num', { value: num });
  Object.defineProperty(t, 'locale', {
    get: () => {
      num(0);
      return locale;
    },
  });
  return t;
}

/** Texts every node shares (settings, configuration): from totalgest-config's catalogue. */
export function commonTexts(RED: Pick<NodeAPI, '_'> & { settings?: unknown }): NodeTexts {
  return nodeTexts(RED, 'totalgest-config', true);
}

/**
 * The en-US texts of a type whatever language the runtime speaks: for what an HTTP caller gets
 * back (a webhook's answer), which stays as the API has always worded it.
 */
export function englishTexts(type: string): NodeTexts {
  return nodeTexts({}, type);
}
