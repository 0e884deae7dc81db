import type { Rng } from '../core/index.ts';
import { LANGS, type Lang } from './markets.ts';
import { PHRASES, type CategoryTable, type Row } from './vocab/index.ts';

/** The words an item is made of: row indices into its category's tables. */
export interface ItemWords {
  category: CategoryTable;
  brand: string;
  noun: number;
  adj: number;
  detail: number;
  variant: number;
  selling: number;
}

const LANG_INDEX = Object.fromEntries(LANGS.map((l, i) => [l, i])) as Record<Lang, number>;
const SMALL_WORDS = new Set(['with', 'and', 'of', 'by', 'for']);

/** The word of a row in a language. */
export function word(rows: readonly Row[], index: number, lang: Lang): string {
  const row = rows[index];
  if (row === undefined) throw new RangeError(`no word at ${index}`);
  return row[LANG_INDEX[lang]] as string;
}

const cap = (s: string): string => (s === '' ? s : s[0]!.toUpperCase() + s.slice(1));
const titleCase = (s: string): string =>
  s
    .split(' ')
    .map((w, i) => (i > 0 && SMALL_WORDS.has(w) ? w : cap(w)))
    .join(' ');

function parts(w: ItemWords, lang: Lang): { noun: string; adj: string; detail: string; variant: string } {
  const c = w.category;
  const label = c.variantLabel[LANG_INDEX[lang]] as string;
  const v = word(c.variants, w.variant, lang);
  return {
    noun: word(c.nouns, w.noun, lang),
    adj: word(c.adjectives, w.adj, lang),
    detail: word(c.details, w.detail, lang),
    variant: label === '' ? v : `${label} ${v}`,
  };
}

/** A shop title in one language, in the style of that language's storefronts. */
export function composeTitle(w: ItemWords, lang: Lang): string {
  const p = parts(w, lang);
  switch (lang) {
    case 'en':
      return `${w.brand} ${titleCase(p.adj)} ${titleCase(p.noun)} – ${titleCase(p.detail)}, ${p.variant}`;
    case 'de':
      return `${w.brand} ${p.noun}, ${p.adj}, ${p.detail} – ${p.variant}`;
    case 'ja':
      return `${w.brand} ${p.noun} ${p.adj} ${p.detail} ${p.variant}`;
    default:
      return `${w.brand} – ${cap(p.noun)} ${p.adj} ${p.detail}, ${p.variant}`;
  }
}

/** A short description in one language: a byline and a selling point. */
export function composeDescription(w: ItemWords, lang: Lang): string {
  const p = parts(w, lang);
  const phrases = PHRASES[lang];
  const byline = phrases.byline
    .replace('{Noun}', cap(p.noun))
    .replace('{noun}', p.noun)
    .replace('{Adj}', cap(p.adj))
    .replace('{adj}', p.adj)
    .replace('{detail}', p.detail)
    .replace('{brand}', w.brand);
  const selling = phrases.selling[w.selling % phrases.selling.length]!;
  return lang === 'ja' ? byline + selling : `${byline} ${selling}`;
}

/** Which of an item's words a query uses. */
export interface QueryShape {
  brand: boolean;
  adj: boolean;
  variant: boolean;
}

/** A query as a shopper types it: lower case, uninflected catalog words of their language. */
export function composeQuery(w: ItemWords, lang: Lang, shape: QueryShape): string {
  const c = w.category;
  const noun = word(c.nouns, w.noun, lang);
  const out: string[] = [];
  if (shape.brand) out.push(w.brand);
  if (lang === 'en') {
    if (shape.adj) out.push(word(c.adjectives, w.adj, lang));
    out.push(noun);
  } else {
    out.push(noun);
    if (shape.adj) out.push(word(c.adjectives, w.adj, lang));
  }
  if (shape.variant) out.push(word(c.variants, w.variant, lang));
  return out.join(' ').toLowerCase();
}

export type Sentiment = 'positive' | 'neutral' | 'negative';

export function sentimentOf(rating: number): Sentiment {
  return rating >= 4 ? 'positive' : rating === 3 ? 'neutral' : 'negative';
}

/** A review text whose tone follows the rating: one or two sentences of that sentiment. */
export function composeReview(rng: Rng, lang: Lang, rating: number, brand: string): string {
  const pool = PHRASES[lang][sentimentOf(rating)];
  const first = rng.int(pool.length);
  let text = pool[first]!;
  if (rng.next() < 0.5) text += (lang === 'ja' ? '' : ' ') + pool[(first + 1 + rng.int(pool.length - 1)) % pool.length]!;
  return text.replace('{brand}', brand);
}
