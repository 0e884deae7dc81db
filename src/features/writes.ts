import { badRequest, tokenize } from '../core/index.ts';
import { shopperKey, type ItemUpsertEvent, type MeridianEvent, type ShopperEvent } from '../ingest/index.ts';
import type { FeatureConfig } from './config.ts';
import { reviewSentiment } from './sentiment.ts';
import type { CatalogItem, CoocRelation, RecentItem, Update, UserState } from './types.ts';

/** What `writes` needs besides the event; nothing here is read from a clock. */
export interface WriteContext {
  /** The shopper's state before this event (undefined: a shopper not seen yet). */
  user: UserState | undefined;
  /** The shopper's encoder state after this event, when the encoder ran for it. */
  vector?: Float32Array | undefined;
  config: FeatureConfig;
  /** `shopperKey(event)`, when the caller has it already (one string per event, not one per use). */
  shopper?: string | undefined;
  /** How a search's query is split (default `queryTokens`; a caller with many events passes a cache). */
  queryTokens?: QueryTokens | undefined;
}

/** The distinct tokens of a search query, in order: what a click after the search is counted under. */
export type QueryTokens = (query: string, locale: string) => readonly string[];

export const queryTokens: QueryTokens = (query, locale) => Array.from(new Set(tokenize(query, locale)));

/**
 * `queryTokens` remembered for up to `size` distinct queries (then it starts over): tokenizing
 * (Unicode normalization, word segmentation) costs microseconds, and popular queries come back.
 */
export function createQueryTokenCache(size = 4096): QueryTokens {
  if (!Number.isInteger(size) || size < 1) throw badRequest('option_invalid', `size must be an integer >= 1, got ${size}`, 'size');
  const memo = new Map<string, readonly string[]>();
  return (query, locale) => {
    // A locale has no line breaks, so the key names one (locale, query) pair.
    const key = `${locale}\n${query}`;
    let tokens = memo.get(key);
    if (tokens === undefined) {
      if (memo.size >= size) memo.clear();
      tokens = Object.freeze(queryTokens(query, locale));
      memo.set(key, tokens);
    }
    return tokens;
  };
}

export function catalogItem(e: ItemUpsertEvent): CatalogItem {
  return {
    id: e.item_id,
    titles: e.titles,
    descriptions: e.descriptions ?? {},
    category: e.category,
    brand: e.brand,
    prices: e.prices,
    availableIn: e.available_in,
    ts: e.ts,
  };
}

/**
 * Distinct items of the shopper's history, newest first, that pair with `item` at `ts`: within
 * `windowMs` before it (not after: a late event does not pair with the future), of an accepted type.
 */
export function recentPartners(
  recent: readonly RecentItem[],
  item: string,
  ts: number,
  windowMs: number,
  max: number,
  accept?: (r: RecentItem) => boolean,
): string[] {
  const out: string[] = [];
  for (let i = recent.length - 1; i >= 0 && out.length < max; i--) {
    const r = recent[i] as RecentItem;
    if (r.ts > ts) continue;
    if (ts - r.ts > windowMs) break; // oldest first: everything before is older still
    if (r.item === item || out.includes(r.item)) continue;
    if (accept !== undefined && !accept(r)) continue;
    out.push(r.item);
  }
  return out;
}

function pushPairs(out: Update[], rel: CoocRelation, item: string, partners: readonly string[], max: number): void {
  for (const p of partners) {
    out.push({ op: 'item.cooc', rel, a: item, b: p, by: 1, max });
    out.push({ op: 'item.cooc', rel, a: p, b: item, by: 1, max });
  }
}

const NO_HISTORY: readonly RecentItem[] = Object.freeze([]);

const inBasket = (r: RecentItem): boolean => r.type === 'purchase' || r.type === 'add_to_cart';

function itemWrites(out: Update[], e: Exclude<ShopperEvent, { type: 'search' }>, user: string, ctx: WriteContext): void {
  const c = ctx.config;
  const recent = ctx.user?.recent ?? NO_HISTORY;
  const item = e.item_id;
  if (e.type === 'remove_from_cart') {
    out.push({ op: 'user.remove', user, item });
    return;
  }
  out.push({ op: 'user.push', user, item, kind: e.type, ts: e.ts, max: c.recentMax });
  switch (e.type) {
    case 'view':
    case 'click':
      out.push({ op: 'item.trend', market: e.market, item, weight: c.trendWeights[e.type], ts: e.ts, halfLifeMs: c.trendHalfLifeMs });
      pushPairs(out, 'view', item, recentPartners(recent, item, e.ts, c.viewWindowMs, c.viewLookback), c.coocMax);
      return;
    case 'add_to_cart':
      out.push({ op: 'item.trend', market: e.market, item, weight: c.trendWeights.add_to_cart, ts: e.ts, halfLifeMs: c.trendHalfLifeMs });
      return;
    case 'purchase':
      out.push({ op: 'user.purchase', user, item, max: c.purchasedMax });
      out.push({ op: 'item.trend', market: e.market, item, weight: c.trendWeights.purchase, ts: e.ts, halfLifeMs: c.trendHalfLifeMs });
      pushPairs(out, 'buy', item, recentPartners(recent, item, e.ts, c.buyWindowMs, c.buyLookback, inBasket), c.coocMax);
      return;
    case 'review':
      out.push({ op: 'item.review', item, rating: e.rating, sentiment: reviewSentiment(e.text, e.locale, e.rating) });
      return;
  }
}

function searchWrites(out: Update[], e: Extract<ShopperEvent, { type: 'search' }>, ctx: WriteContext): void {
  const clicked = e.clicked_item_id;
  if (clicked === undefined) return;
  const c = ctx.config;
  const tokens = (ctx.queryTokens ?? queryTokens)(e.query, e.locale);
  const n = Math.min(tokens.length, c.queryTokensMax);
  for (let i = 0; i < n; i++) out.push({ op: 'query.click', token: tokens[i] as string, item: clicked, by: 1, max: c.queryClickMax });
}

/**
 * The feature store writes of one event: a pure function of the event and `ctx`, so live traffic,
 * replay and training derive the same state from the same events.
 */
export function writes(event: MeridianEvent, ctx: WriteContext): Update[] {
  if (event.type === 'item_upsert') return [{ op: 'item.put', item: catalogItem(event) }];
  if (event.type === 'item_delete') return [{ op: 'item.delete', item: event.item_id }];
  const user = ctx.shopper ?? shopperKey(event);
  if (user === undefined) return [];
  const out: Update[] = [{ op: 'user.count', user, kind: event.type, ts: event.ts }];
  if (event.type === 'search') searchWrites(out, event, ctx);
  else itemWrites(out, event, user, ctx);
  if (ctx.vector !== undefined) out.push({ op: 'user.vector', user, vector: ctx.vector });
  return out;
}
