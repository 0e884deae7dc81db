import { badRequest } from '../core/index.ts';

/** Languages the storefront writes titles, queries and reviews in. */
export const LANGS = ['en', 'de', 'fr', 'es', 'ja', 'pt'] as const;
export type Lang = (typeof LANGS)[number];

/** How a market's shelf prices end: 19.99, 99.90, ¥1,980. */
export type Rounding = 'x.99' | 'x.90' | 'yen';

export interface MarketInfo {
  /** ISO 3166-1 alpha-2. */
  market: string;
  locale: string;
  lang: Lang;
  currency: string;
  /** Units of `currency` per US dollar. */
  fxFromUsd: number;
  /** Local price level relative to the US (VAT included, import duties): multiplies the FX price. */
  priceIndex: number;
  rounding: Rounding;
  /** Hours ahead of UTC (standard time), for the daily rhythm of traffic. */
  utcOffset: number;
  /** Share of shoppers whose home market this is. */
  weight: number;
  /** Markets where a local brand of this market is sometimes also sold. */
  neighbours: readonly string[];
}

const m = (
  market: string,
  locale: string,
  currency: string,
  fxFromUsd: number,
  priceIndex: number,
  rounding: Rounding,
  utcOffset: number,
  weight: number,
  neighbours: readonly string[],
): MarketInfo =>
  Object.freeze({ market, locale, lang: locale.slice(0, 2) as Lang, currency, fxFromUsd, priceIndex, rounding, utcOffset, weight, neighbours });

/** The storefront's markets. US and DE are the biggest. */
export const MARKETS: readonly MarketInfo[] = Object.freeze([
  m('US', 'en-US', 'USD', 1, 1, 'x.99', -5, 0.3, ['CA', 'MX']),
  m('GB', 'en-GB', 'GBP', 0.79, 1.05, 'x.99', 0, 0.12, ['FR']),
  m('DE', 'de-DE', 'EUR', 0.92, 1.08, 'x.99', 1, 0.2, ['FR', 'ES']),
  m('FR', 'fr-FR', 'EUR', 0.92, 1.08, 'x.99', 1, 0.1, ['DE', 'ES']),
  m('ES', 'es-ES', 'EUR', 0.92, 1.06, 'x.99', 1, 0.07, ['FR', 'MX']),
  m('JP', 'ja-JP', 'JPY', 150, 1.1, 'yen', 9, 0.08, []),
  m('BR', 'pt-BR', 'BRL', 5, 1.4, 'x.90', -3, 0.05, ['MX']),
  m('CA', 'en-CA', 'CAD', 1.37, 1.05, 'x.99', -5, 0.04, ['US']),
  m('MX', 'es-MX', 'MXN', 17.2, 1.05, 'x.99', -6, 0.04, ['US', 'ES']),
]);

/** The market's row, or a 400 for an unknown code. */
export function marketInfo(code: string, markets: readonly MarketInfo[] = MARKETS): MarketInfo {
  const found = markets.find((x) => x.market === code);
  if (found === undefined) {
    throw badRequest('simulate_market_unknown', `market: unknown market "${code}" (known: ${markets.map((x) => x.market).join(', ')})`, 'market');
  }
  return found;
}

const cents = (x: number): number => Math.round(x * 100) / 100;

/** A shelf price: 23.4 → 23.99, 143.2 → 143.99 (x.99), 99.90 (x.90), ¥1,980 (yen). */
export function roundPrice(amount: number, rounding: Rounding): number {
  if (!(amount >= 0) || !Number.isFinite(amount)) throw new RangeError(`price must be a finite non-negative number, got ${amount}`);
  switch (rounding) {
    case 'yen':
      if (amount < 1000) return Math.max(10, Math.ceil(amount / 10) * 10);
      return Math.ceil(amount / 100) * 100 - 20;
    case 'x.90':
      return cents(Math.max(1, Math.ceil(amount)) - 0.1);
    case 'x.99':
      if (amount >= 200) return cents(Math.ceil(amount / 5) * 5 - 0.01);
      return cents(Math.max(1, Math.ceil(amount)) - 0.01);
  }
}

/** The price in a market of something that costs `usd` in the US. */
export function localPrice(usd: number, market: MarketInfo): number {
  return roundPrice(usd * market.fxFromUsd * market.priceIndex, market.rounding);
}
