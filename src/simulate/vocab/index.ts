import { DRESSES, JACKETS, RUNNING_SHOES, SNEAKERS } from './apparel.ts';
import { BACKPACKS, BOOKS, SKINCARE } from './lifestyle.ts';
import { COFFEE, TEA } from './pantry.ts';
import { HEADPHONES, SMARTPHONES, WATCHES } from './tech.ts';
import type { CategoryTable } from './types.ts';

export type { CategoryTable, Phrases, Row } from './types.ts';
export { PHRASES } from './phrases.ts';
export { COLOURS } from './common.ts';

/** The storefront's categories, in a fixed order (category index = position). */
export const CATEGORIES: readonly CategoryTable[] = [
  RUNNING_SHOES,
  SNEAKERS,
  JACKETS,
  DRESSES,
  HEADPHONES,
  SMARTPHONES,
  WATCHES,
  COFFEE,
  TEA,
  BOOKS,
  SKINCARE,
  BACKPACKS,
];
