/**
 * One word or phrase in every language, in the order of LANGS: en, de, fr, es, ja, pt. Rows are
 * translations of each other, so an item built from row indices reads the same in every language.
 */
export type Row = readonly [en: string, de: string, fr: string, es: string, ja: string, pt: string];

/**
 * The word tables of one category. Adjectives agree in gender and number with the category's nouns
 * (they are written for them), details carry their own prepositions ("en cuir", "de piel").
 */
export interface CategoryTable {
  /** Stable id, used as the item's category. */
  id: string;
  name: Row;
  nouns: readonly Row[];
  adjectives: readonly Row[];
  details: readonly Row[];
  /** Word before a variant in titles ("coloris bleu"); '' for none. */
  variantLabel: Row;
  variants: readonly Row[];
  /** Typical US price range in dollars. */
  priceUsd: readonly [min: number, max: number];
  /** Relative number of items of this category in a catalog. */
  share: number;
  /** Brands sold across markets, and brands local to one market (keyed by market). */
  brands: { global: readonly string[]; local: Readonly<Record<string, readonly string[]>> };
}

/** Fixed phrases of one language: description sentences and review sentences by sentiment. */
export interface Phrases {
  /** Generic selling points, one sentence each. */
  selling: readonly string[];
  /** "by {brand}" and similar joins, with {brand} and {noun} placeholders. */
  byline: string;
  positive: readonly string[];
  neutral: readonly string[];
  negative: readonly string[];
}
