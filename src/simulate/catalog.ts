import { badRequest, createRng, type Rng } from '../core/index.ts';
import type { ItemUpsertEvent, Money } from '../ingest/index.ts';
import { MARKETS, localPrice, type Lang, type MarketInfo } from './markets.ts';
import { logNormal, pickCumulative } from './sample.ts';
import { composeDescription, composeTitle, type ItemWords } from './text.ts';
import { CATEGORIES } from './vocab/index.ts';

export interface Brand {
  readonly index: number;
  readonly name: string;
  readonly category: number;
  /** The market a local brand comes from; undefined for a global brand. */
  readonly home: string | undefined;
  /** Price level of the brand relative to its category. */
  readonly tier: number;
}

export interface SimItem {
  readonly index: number;
  readonly id: string;
  readonly category: number;
  readonly brand: number;
  readonly words: ItemWords;
  readonly usd: number;
  /** Price relative to the category's typical price: what price-sensitive shoppers react to. */
  readonly priceRatio: number;
  /** Latent appeal: a few items are hits. */
  readonly popularity: number;
  /** Latent quality: drives ratings. */
  readonly quality: number;
  /** Markets where the item is sold, in the order of the catalog's markets. */
  readonly markets: readonly string[];
  /** Shelf price per market index of the catalog; NaN where the item is not sold. */
  readonly prices: Float64Array;
}

export type UpsertEvent = ItemUpsertEvent & { tenant: string };

/** A simulated catalog. Iterating it yields one item_upsert event per item. */
export interface Catalog extends Iterable<UpsertEvent> {
  readonly seed: number;
  readonly markets: readonly MarketInfo[];
  readonly items: readonly SimItem[];
  readonly brands: readonly Brand[];
  /** Position of a market in `markets`, or -1. */
  marketIndex(market: string): number;
  /** The item's shelf price in a market, undefined where it is not sold. */
  price(item: SimItem, market: string): Money | undefined;
  title(item: SimItem, lang: Lang): string;
  upsert(item: SimItem): UpsertEvent;
}

export interface CatalogOptions {
  seed: number;
  items?: number;
  markets?: readonly MarketInfo[];
  /** Event time of the upserts (item i at ts + i). */
  ts?: number;
  tenant?: string;
}

const LOCAL_SHARE = 0.22;
const HIT_SHARE = 0.02;

function buildBrands(markets: readonly MarketInfo[], rng: Rng): Brand[] {
  const brands: Brand[] = [];
  CATEGORIES.forEach((c, category) => {
    const add = (name: string, home: string | undefined): void => {
      brands.push({ index: brands.length, name, category, home, tier: 0.75 + rng.next() * 0.6 });
    };
    for (const name of c.brands.global) add(name, undefined);
    for (const m of markets) for (const name of c.brands.local[m.market] ?? []) add(name, m.market);
  });
  return brands;
}

function availability(rng: Rng, brand: Brand, markets: readonly MarketInfo[]): string[] {
  const codes = new Set<string>();
  if (brand.home !== undefined) {
    codes.add(brand.home);
    const home = markets.find((m) => m.market === brand.home);
    const near = (home?.neighbours ?? []).filter((n) => markets.some((m) => m.market === n));
    if (near.length > 0 && rng.next() < 0.35) codes.add(rng.pick(near));
  } else {
    const maxWeight = Math.max(...markets.map((m) => m.weight));
    for (const m of markets) if (rng.next() < 0.5 + (0.45 * m.weight) / maxWeight) codes.add(m.market);
    // Global brands reach at least two markets (the biggest first) when there are two.
    const bySize = [...markets].sort((a, b) => b.weight - a.weight);
    for (const m of bySize) if (codes.size < Math.min(2, markets.length)) codes.add(m.market);
  }
  return markets.filter((m) => codes.has(m.market)).map((m) => m.market);
}

function check(opts: Required<Omit<CatalogOptions, 'tenant'>>): void {
  if (!Number.isInteger(opts.seed)) throw badRequest('simulate_option_invalid', `seed: expected an integer, got ${opts.seed}`, 'seed');
  if (!Number.isInteger(opts.items) || opts.items < 1 || opts.items > 10_000_000) {
    throw badRequest('simulate_option_invalid', `items: expected an integer in [1, 10000000], got ${opts.items}`, 'items');
  }
  if (opts.markets.length === 0) throw badRequest('simulate_option_invalid', 'markets: at least one market is needed', 'markets');
  if (!Number.isInteger(opts.ts) || opts.ts < 0) throw badRequest('simulate_option_invalid', `ts: expected ms since epoch, got ${opts.ts}`, 'ts');
}

interface Build {
  rng: Rng;
  markets: readonly MarketInfo[];
  marketPos: ReadonlyMap<string, number>;
  shares: Float64Array;
  shareTotal: number;
  brandsOf: readonly { global: Brand[]; local: Brand[] }[];
  width: number;
}

function buildItem(b: Build, index: number): SimItem {
  const { rng, markets } = b;
  const category = pickCumulative(b.shares, b.shareTotal, rng.next());
  const table = CATEGORIES[category]!;
  const own = b.brandsOf[category]!;
  const local = own.local.length > 0 && rng.next() < LOCAL_SHARE;
  // Global brands are skewed: the first is the category leader.
  const brand = local ? rng.pick(own.local) : own.global[Math.min(rng.int(3), rng.int(3))]!;
  const [lo, hi] = table.priceUsd;
  const usd = Math.round(Math.exp(Math.log(lo) + rng.next() * Math.log(hi / lo)) * brand.tier * 100) / 100;
  const sold = availability(rng, brand, markets);
  const prices = new Float64Array(markets.length).fill(Number.NaN);
  for (const code of sold) {
    const pos = b.marketPos.get(code)!;
    prices[pos] = localPrice(usd, markets[pos]!);
  }
  return {
    index,
    id: `sku-${String(index).padStart(b.width, '0')}`,
    category,
    brand: brand.index,
    words: {
      category: table,
      brand: brand.name,
      noun: rng.int(table.nouns.length),
      adj: rng.int(table.adjectives.length),
      detail: rng.int(table.details.length),
      variant: rng.int(table.variants.length),
      selling: rng.int(64),
    },
    usd,
    priceRatio: usd / Math.sqrt(lo * hi),
    popularity: logNormal(rng, 0.9) * (rng.next() < HIT_SHARE ? 20 : 1),
    quality: rng.normal() * 0.5,
    markets: sold,
    prices,
  };
}

/** A seeded catalog: the same seed and size give the same items, titles and prices. */
export function createCatalog({
  seed,
  items = 2000,
  markets = MARKETS,
  ts = Date.UTC(2025, 11, 1),
  tenant = 'default',
}: CatalogOptions): Catalog {
  check({ seed, items, markets, ts });
  const rng = createRng(seed ^ 0x5ca7a106);
  const brands = buildBrands(markets, rng);
  const shares = new Float64Array(CATEGORIES.length);
  let shareTotal = 0;
  CATEGORIES.forEach((c, i) => (shares[i] = shareTotal += c.share));
  const build: Build = {
    rng,
    markets,
    marketPos: new Map(markets.map((m, i) => [m.market, i])),
    shares,
    shareTotal,
    brandsOf: CATEGORIES.map((_, c) => ({
      global: brands.filter((b) => b.category === c && b.home === undefined),
      local: brands.filter((b) => b.category === c && b.home !== undefined),
    })),
    width: Math.max(6, String(items - 1).length),
  };
  const list: SimItem[] = [];
  for (let index = 0; index < items; index++) list.push(buildItem(build, index));

  const marketIndex = (market: string): number => build.marketPos.get(market) ?? -1;
  const price = (item: SimItem, market: string): Money | undefined => {
    const pos = marketIndex(market);
    const amount = pos < 0 ? Number.NaN : item.prices[pos]!;
    return Number.isNaN(amount) ? undefined : { amount, currency: markets[pos]!.currency };
  };
  const upsert = (item: SimItem): UpsertEvent => {
    const langs = new Set<Lang>(['en']);
    for (const code of item.markets) langs.add(markets[marketIndex(code)]!.lang);
    const titles: Record<string, string> = {};
    const descriptions: Record<string, string> = {};
    for (const lang of langs) {
      titles[lang] = composeTitle(item.words, lang);
      descriptions[lang] = composeDescription(item.words, lang);
    }
    const prices: Record<string, Money> = {};
    for (const code of item.markets) prices[code] = price(item, code)!;
    return {
      id: `cat${seed}-${item.id}`,
      type: 'item_upsert',
      tenant,
      ts: ts + item.index,
      item_id: item.id,
      titles,
      descriptions,
      category: CATEGORIES[item.category]!.id,
      brand: brands[item.brand]!.name,
      prices,
      available_in: [...item.markets],
    };
  };

  return {
    seed,
    markets,
    items: list,
    brands,
    marketIndex,
    price,
    title: (item, lang) => composeTitle(item.words, lang),
    upsert,
    *[Symbol.iterator]() {
      for (const item of list) yield upsert(item);
    },
  };
}
