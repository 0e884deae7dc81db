import { badRequest, createRng } from '../core/index.ts';
import { MARKETS, type Lang, type MarketInfo } from './markets.ts';
import { dirichlet, logNormal, pickCumulative } from './sample.ts';
import { CATEGORIES } from './vocab/index.ts';

export interface Shopper {
  readonly index: number;
  /** The user id; guests never send it (their sessions carry only a session_id). */
  readonly id: string;
  readonly guest: boolean;
  readonly market: string;
  readonly locale: string;
  readonly lang: Lang;
  /** Preference over categories (category index → weight, sums to 1). */
  readonly taste: Float64Array;
  /** The one or two categories that hold most of the taste. */
  readonly preferred: readonly number[];
  /** Favourite brand names, one or two per preferred category. */
  readonly favouriteBrands: readonly string[];
  /** Probability of looking at a favourite brand when browsing its category. */
  readonly brandLoyalty: number;
  /** 0: price does not matter; 1: expensive items are mostly skipped. */
  readonly priceSensitivity: number;
  /** Relative number of sessions: a few shoppers are regulars. */
  readonly activity: number;
}

export interface ShopperOptions {
  seed: number;
  users?: number;
  markets?: readonly MarketInfo[];
  /** Share of shoppers who never log in. */
  guestShare?: number;
  /** Share of shoppers outside English-speaking markets who browse in English. */
  englishShare?: number;
}

const TASTE_ALPHA = 0.3;

/** Seeded shoppers with a home market (weighted: US and DE are the biggest) and a latent taste. */
export function createShoppers({
  seed,
  users = 500,
  markets = MARKETS,
  guestShare = 0.25,
  englishShare = 0.08,
}: ShopperOptions): Shopper[] {
  if (!Number.isInteger(seed)) throw badRequest('simulate_option_invalid', `seed: expected an integer, got ${seed}`, 'seed');
  if (!Number.isInteger(users) || users < 1 || users > 10_000_000) {
    throw badRequest('simulate_option_invalid', `users: expected an integer in [1, 10000000], got ${users}`, 'users');
  }
  if (markets.length === 0) throw badRequest('simulate_option_invalid', 'markets: at least one market is needed', 'markets');
  for (const [name, v] of [['guestShare', guestShare], ['englishShare', englishShare]] as const) {
    if (!(v >= 0 && v <= 1)) throw badRequest('simulate_option_invalid', `${name}: expected a share in [0, 1], got ${v}`, name);
  }
  const rng = createRng(seed ^ 0x5e0993e5);
  const cum = new Float64Array(markets.length);
  let total = 0;
  markets.forEach((m, i) => (cum[i] = total += m.weight));
  const alpha = CATEGORIES.map(() => TASTE_ALPHA);
  const width = Math.max(5, String(users - 1).length);

  const out: Shopper[] = [];
  for (let index = 0; index < users; index++) {
    const home = markets[pickCumulative(cum, total, rng.next())]!;
    const english = home.lang !== 'en' && rng.next() < englishShare;
    const taste = dirichlet(rng, alpha);
    const ranked = [...taste.keys()].sort((a, b) => taste[b]! - taste[a]!);
    const preferred = taste[ranked[1]!]! >= 0.15 ? ranked.slice(0, 2) : ranked.slice(0, 1);
    const favouriteBrands: string[] = [];
    for (const c of preferred) {
      const table = CATEGORIES[c]!;
      const choices = [...table.brands.global, ...(table.brands.local[home.market] ?? [])];
      favouriteBrands.push(rng.pick(choices));
      if (rng.next() < 0.3) favouriteBrands.push(rng.pick(choices));
    }
    out.push({
      index,
      id: `user-${String(index).padStart(width, '0')}`,
      guest: rng.next() < guestShare,
      market: home.market,
      locale: english ? `en-${home.market}` : home.locale,
      lang: english ? 'en' : home.lang,
      taste,
      preferred,
      favouriteBrands: [...new Set(favouriteBrands)],
      brandLoyalty: 0.15 + 0.55 * rng.next(),
      priceSensitivity: rng.next(),
      activity: logNormal(rng, 0.8),
    });
  }
  return out;
}
