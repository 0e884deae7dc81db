/**
 * The main language of a market, for the title to show when a request names a market but no
 * locale. Markets missing here fall back to a locale tagged with the market, then English.
 */
const LANGUAGE: Readonly<Record<string, string>> = Object.freeze({
  US: 'en', GB: 'en', IE: 'en', CA: 'en', AU: 'en', NZ: 'en', IN: 'en', SG: 'en', ZA: 'en',
  DE: 'de', AT: 'de', CH: 'de', FR: 'fr', BE: 'fr', LU: 'fr', ES: 'es', MX: 'es', AR: 'es',
  CO: 'es', CL: 'es', PE: 'es', IT: 'it', PT: 'pt', BR: 'pt', NL: 'nl', SE: 'sv', NO: 'nb',
  DK: 'da', FI: 'fi', PL: 'pl', CZ: 'cs', TR: 'tr', GR: 'el', RU: 'ru', UA: 'uk', JP: 'ja',
  KR: 'ko', CN: 'zh', TW: 'zh', HK: 'zh', TH: 'th', VN: 'vi', ID: 'id', SA: 'ar', AE: 'ar',
  EG: 'ar', IL: 'he',
});

export function marketLanguage(market: string): string | undefined {
  return LANGUAGE[market];
}
