/**
 * Unicode-aware tokenization shared by the lexical index, search-click features and the content
 * encoder: NFKD with diacritics folded, lower case, words from Intl.Segmenter (which segments CJK
 * and Thai by dictionary), and character bigrams for CJK runs so partial queries still match.
 */
/**
 * Word segmenters, one per base language ("de" for de-DE, de-AT and de-CH-1996), the least recently
 * used dropped beyond SEGMENTER_CACHE_MAX: locale strings come from requests and events, so a
 * cache per string would grow with every new one. A tag that names no language segments as English.
 */
export const SEGMENTER_CACHE_MAX = 32;
const segmenters = new Map<string, Intl.Segmenter>();
let lastLocale: string | undefined;
let lastSegmenter: Intl.Segmenter | undefined;

const LANGUAGE = /^[A-Za-z]{2,3}$/;

/** "pt-BR" → "pt"; "und" or anything not starting with a language subtag → "en". */
export function baseLanguage(locale: string): string {
  const end = locale.search(/[-_]/);
  const lang = end < 0 ? locale : locale.slice(0, end);
  return LANGUAGE.test(lang) && lang.toLowerCase() !== 'und' ? lang.toLowerCase() : 'en';
}

function segmenter(locale: string): Intl.Segmenter {
  // Nearly every call repeats the previous locale: no lookup, no allocation.
  if (locale === lastLocale && lastSegmenter !== undefined) return lastSegmenter;
  const lang = baseLanguage(locale);
  let s = segmenters.get(lang);
  if (s === undefined) {
    s = new Intl.Segmenter(lang, { granularity: 'word' });
    if (segmenters.size >= SEGMENTER_CACHE_MAX) segmenters.delete(segmenters.keys().next().value as string);
  } else {
    segmenters.delete(lang);
  }
  segmenters.set(lang, s);
  lastLocale = locale;
  lastSegmenter = s;
  return s;
}

/** Segmenters cached now (at most SEGMENTER_CACHE_MAX). */
export function segmenterCacheSize(): number {
  return segmenters.size;
}

const COMBINING = /\p{M}+/gu;
const NON_CJK_RUN = /[^\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]+/gu;
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const WORDLIKE = /[\p{L}\p{N}]/u;

/** Folds case and diacritics: "Schühe" → "schuhe", "Café" → "cafe". Keeps CJK as is (NFKC width). */
export function foldText(s: string): string {
  return s
    .normalize('NFKC')
    .replace(NON_CJK_RUN, (run) => run.normalize('NFKD').replace(COMBINING, '').normalize('NFC'))
    .toLowerCase()
    .replace(/ß/g, 'ss');
}

/**
 * Text whose words Intl.Segmenter would find at every character that is not a letter or digit:
 * Latin, Greek and Cyrillic letters, ASCII digits, and separators that UAX #29 never joins across
 * (whitespace, ASCII and Latin-1 punctuation and symbols, dashes and quotes that are not
 * apostrophes). Anything else (other scripts, other digits and symbols, format characters; marks
 * are gone after folding) goes through the segmenter.
 */
const PLAIN = /^[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}0-9\s!-/:-@[-`{-~\u00a1-\u00a9\u00ab\u00ac\u00ae-\u00b4\u00b6\u00b8-\u00b9\u00bb-\u00bf\u00d7\u00f7\u2010-\u2015\u201c-\u201f\u2020-\u2022\u2026\u2030-\u203a]*$/u;
/** Letters and digits of PLAIN text; a word is a run of them. */
const PLAIN_WORD = /[\p{L}0-9]+/gu;
/** Characters UAX #29 may join words across (apostrophes, full stop, comma, colons, underscore) between two word characters. */
const JOINED = /[\p{L}0-9][.,;:'_][\p{L}0-9]|_/u;

/** Tokens of folded text by Intl.Segmenter: words, and CJK runs as bigrams plus the whole run. */
export function segmentTokens(folded: string, locale = 'und'): string[] {
  const out: string[] = [];
  for (const part of segmenter(locale).segment(folded)) {
    const w = part.segment;
    if (!WORDLIKE.test(w)) continue;
    if (CJK.test(w)) {
      const chars = Array.from(w);
      if (chars.length <= 2) out.push(w);
      else for (let i = 0; i + 1 < chars.length; i++) out.push((chars[i] as string) + (chars[i + 1] as string));
      if (chars.length > 2) out.push(w);
    } else {
      out.push(w);
    }
  }
  return out;
}

/**
 * Splits text into folded tokens. `locale` only tunes segmentation; every script is handled. Plain
 * text (most catalogs' European-language titles) is split by a regular expression that finds the
 * very words the segmenter would, several times faster; the rest goes through the segmenter.
 */
export function tokenize(text: string, locale = 'und'): string[] {
  const folded = foldText(text);
  if (PLAIN.test(folded) && !JOINED.test(folded)) return folded.match(PLAIN_WORD) ?? [];
  return segmentTokens(folded, locale);
}
