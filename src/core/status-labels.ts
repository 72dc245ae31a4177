/**
 * The link states a product or order shows, and their labels as the shop's column shows them.
 * `needs_review`: an order changed (edited, cancelled) after its document reached TotalGest.
 */
export const LINK_STATES = ['linked', 'pending', 'failed', 'needs_review', 'not_linked'] as const;
export type LinkState = (typeof LINK_STATES)[number];

export const LANGS = ['en', 'de', 'it'] as const;
export type Lang = (typeof LANGS)[number];

export const STATE_LABELS: Record<Lang, Record<LinkState, string>> = {
  en: {
    linked: 'Linked',
    pending: 'Pending',
    failed: 'Failed',
    needs_review: 'Needs review',
    not_linked: 'Not linked',
  },
  de: {
    linked: 'Verbunden',
    pending: 'Ausstehend',
    failed: 'Fehlgeschlagen',
    needs_review: 'Zu prüfen',
    not_linked: 'Nicht verbunden',
  },
  it: {
    linked: 'Collegato',
    pending: 'In attesa',
    failed: 'Non riuscito',
    needs_review: 'Da verificare',
    not_linked: 'Non collegato',
  },
};

/** "de-CH,de;q=0.9" or "it" → a supported language, English otherwise. */
export function pickLang(...candidates: Array<string | undefined>): Lang {
  for (const c of candidates) {
    for (const part of (c ?? '').split(',')) {
      const code = part.trim().slice(0, 2).toLowerCase();
      if ((LANGS as readonly string[]).includes(code)) return code as Lang;
    }
  }
  return 'en';
}
