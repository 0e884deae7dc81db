/**
 * Unicode-aware tokenization shared by the lexical index, search-click features and the content
 * encoder: NFKD with diacritics folded, lower case, words from Intl.Segmenter (which segments CJK
 * and Thai by dictionary), and character bigrams for CJK runs so partial queries still match.
 */
const segmenters = new Map<string, Intl.Segmenter>();

function segmenter(locale: string): Intl.Segmenter {
  let s = segmenters.get(locale);
  if (s === undefined) {
    s = new Intl.Segmenter(locale, { granularity: 'word' });
    segmenters.set(locale, s);
  }
  return s;
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

/** Splits text into folded tokens. `locale` only tunes segmentation; every script is handled. */
export function tokenize(text: string, locale = 'und'): string[] {
  const out: string[] = [];
  const folded = foldText(text);
  for (const part of segmenter(locale === 'und' ? 'en' : locale).segment(folded)) {
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
