import { describe, expect, it } from 'vitest';
import { baseLanguage, createRng, foldText, segmentTokens, segmenterCacheSize, SEGMENTER_CACHE_MAX, tokenize } from '../../src/core/index.ts';
import { createCatalog } from '../../src/simulate/index.ts';

/** What the segmenter alone makes of `text`: the reference every fast split must equal. */
const reference = (text: string, locale: string): string[] => segmentTokens(foldText(text), locale);

/** Characters that decide word boundaries: joiners, marks, format characters, other scripts, digits. */
const ALPHABET = [
  ...'abcxyzABCXYZ0189',
  ...'éüßñçøÆœ',
  ...'αβγΩάЖжщЁё',
  ...' \t\n ',
  ...'.,;:\'"_-–—/()[]!?&%+*#@$€£¥§©®°±µªº¹²½×÷«»“”„…·’‘‹›',
  '\u00ad', '\u200b', '\u200d', '\u2060', '\u0301',
  ...'日本語中文한국カタカナひらがなไทยעבריתعربيहिन्दी',
  '😀', '👍🏽', '🇩🇪', '٣', '४', 'Ⅻ',
];

/** Text the expression splits (letters of three scripts, ASCII digits and punctuation), joiners now and then. */
const PLAIN_ALPHABET = [...'abcdxyzéüßñαβЖж019 ', ...' !"#$%&()*+-/<=>?@[]^`{|}~–—“”«»…×§©°', ...'.,;:\'_'];

describe('tokenize', () => {
  it('splits plain text by expression into exactly the segmenter\'s words', () => {
    const cases: [string, string][] = [
      ['Kicklane Retro Slip-on Sneakers – Leather, Beige', 'en'],
      ["can't stop rock'n'roll", 'en'],
      ['e.g. U.S.A. 3.14 1,000 10:30 a_b _x', 'en'],
      ['Schühe für Straße, 2 Stück!', 'de'],
      ['l’été à Paris', 'fr'],
      ['Кроссовки «Бег» — 42 размер', 'ru'],
      ['Ελληνικά·λέξη', 'el'],
      ['soft\u00adhyphen and zero\u200bwidth', 'en'],
    ];
    for (const [text, locale] of cases) expect(tokenize(text, locale), text).toEqual(reference(text, locale));
    expect(tokenize("Kicklane Retro Slip-on Sneakers – Leather, Beige")).toEqual(['kicklane', 'retro', 'slip', 'on', 'sneakers', 'leather', 'beige']);
    expect(tokenize("can't stop", 'en')).toEqual(["can't", 'stop']);
    expect(tokenize('1,000 e.g', 'en')).toEqual(['1,000', 'e.g']);
  });

  it('equals the segmenter on every title and description of a simulated catalog, in every locale', () => {
    let texts = 0;
    for (const e of createCatalog({ seed: 3, items: 400 })) {
      const item = e as { titles?: Record<string, string>; descriptions?: Record<string, string> };
      for (const [locale, text] of [...Object.entries(item.titles ?? {}), ...Object.entries(item.descriptions ?? {})]) {
        expect(tokenize(text, locale), `${locale}: ${text}`).toEqual(reference(text, locale));
        texts++;
      }
    }
    expect(texts).toBeGreaterThan(800);
  });

  /** 20,000 seeded random strings of up to `maxLen` characters of `alphabet`, each tokenized both ways. */
  const fuzz = (alphabet: readonly string[], seed: number, maxLen: number, locales: readonly string[]): void => {
    const rng = createRng(seed);
    for (let n = 0; n < 20_000; n++) {
      let s = '';
      const len = 1 + rng.int(maxLen);
      for (let i = 0; i < len; i++) s += alphabet[rng.int(alphabet.length)] as string;
      const locale = locales[n % locales.length] as string;
      expect(tokenize(s, locale), JSON.stringify(s)).toEqual(reference(s, locale));
    }
  };

  it('equals the segmenter on random strings of boundary-deciding characters', () => fuzz(ALPHABET, 11, 14, ['en', 'de', 'fr', 'ru', 'und']));

  it('equals the segmenter on random plain strings, the ones split by expression', () => fuzz(PLAIN_ALPHABET, 12, 20, ['en']));
});

describe('segmenter cache', () => {
  it('keys segmenters by base language', () => {
    expect(baseLanguage('de-DE')).toBe('de');
    expect(baseLanguage('pt_BR')).toBe('pt');
    expect(baseLanguage('ZH-Hant-TW')).toBe('zh');
    expect(baseLanguage('und')).toBe('en');
    expect(baseLanguage('x-private')).toBe('en');
    expect(baseLanguage('')).toBe('en');
    expect(segmentTokens(foldText('東京タワー'), 'ja-JP')).toEqual(segmentTokens(foldText('東京タワー'), 'ja'));
  });

  it('stays bounded over 10,000 distinct locale strings, and still segments each', () => {
    const letters = 'abcdefghijklmnopqrstuvwxyz';
    for (let i = 0; i < 10_000; i++) {
      // Half share a language under distinct regions and variants; half are distinct three-letter languages.
      const locale = i % 2 === 0
        ? `de-DE-x-v${i}`
        : `${letters[i % 26]}${letters[Math.floor(i / 26) % 26]}${letters[Math.floor(i / 676) % 26]}-${i}`;
      expect(segmentTokens('ein schuh', locale)).toEqual(['ein', 'schuh']);
      expect(segmenterCacheSize()).toBeLessThanOrEqual(SEGMENTER_CACHE_MAX);
    }
    expect(segmenterCacheSize()).toBe(SEGMENTER_CACHE_MAX);
  });
});
