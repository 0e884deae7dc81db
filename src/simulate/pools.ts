import type { Catalog } from './catalog.ts';
import { createPool, type Pool } from './sample.ts';
import { CATEGORIES } from './vocab/index.ts';

/** What a market's shoppers can see, indexed for sampling: only items sold in that market. */
export interface MarketPools {
  readonly size: number;
  /** Every item, weighted by popularity. */
  readonly all: Pool;
  readonly byCategory: readonly Pool[];
  readonly byBrand: readonly Pool[];
  /** Items of [category][noun], most popular first: the candidates of a search. */
  readonly byNoun: readonly (readonly Int32Array[])[];
}

/** One MarketPools per market of the catalog, in the catalog's market order. */
export function buildPools(catalog: Catalog): MarketPools[] {
  const pop = (i: number): number => catalog.items[i]!.popularity;
  return catalog.markets.map((_, m) => {
    const sold: number[] = [];
    for (const item of catalog.items) if (!Number.isNaN(item.prices[m]!)) sold.push(item.index);
    const byCategory: number[][] = CATEGORIES.map(() => []);
    const byBrand: number[][] = catalog.brands.map(() => []);
    const byNoun: number[][][] = CATEGORIES.map((c) => c.nouns.map(() => []));
    for (const i of sold) {
      const item = catalog.items[i]!;
      byCategory[item.category]!.push(i);
      byBrand[item.brand]!.push(i);
      byNoun[item.category]![item.words.noun]!.push(i);
    }
    return {
      size: sold.length,
      all: createPool(sold, pop),
      byCategory: byCategory.map((list) => createPool(list, pop)),
      byBrand: byBrand.map((list) => createPool(list, pop)),
      byNoun: byNoun.map((nouns) => nouns.map((list) => Int32Array.from(list.sort((a, b) => pop(b) - pop(a) || a - b)))),
    };
  });
}
