import type { EventType, Money, ShopperEventType } from '../ingest/index.ts';

/** An item of the catalog, as the last item_upsert described it. */
export interface CatalogItem {
  id: string;
  titles: Record<string, string>;
  descriptions: Record<string, string>;
  category: string;
  brand: string | undefined;
  /** Price per market, in that market's currency. */
  prices: Record<string, Money>;
  availableIn: string[];
  /** Event time of the upsert. */
  ts: number;
}

/** One step of a shopper's recent history. */
export interface RecentItem {
  item: string;
  type: ShopperEventType;
  ts: number;
}

/** What the feature store knows about one shopper (user or anonymous session). */
export interface UserState {
  /** Most recent interactions, oldest first, bounded. */
  recent: RecentItem[];
  /** Items bought, oldest first, bounded. */
  purchased: string[];
  /** Number of events by type. */
  counts: Partial<Record<EventType, number>>;
  /** The user encoder's state (for the default encoder, a decayed mix of item vectors). */
  vector: Float32Array | undefined;
  /** Event time of the last event applied to this shopper. */
  lastTs: number;
}

/** Review and rating statistics of an item. */
export interface ItemStats {
  ratingCount: number;
  ratingSum: number;
  /** Sum of review sentiments in [-1, 1]. */
  sentimentSum: number;
}

export type { Scored } from '../core/index.ts';

/** Relations kept between items: viewed together (same shopper, close in time) and bought together. */
export type CoocRelation = 'view' | 'buy';

/**
 * A write to the feature store. Features produce these from events (`writes(event) -> updates`);
 * a store applies all updates of one event atomically.
 */
export type Update =
  | { op: 'user.push'; user: string; item: string; kind: ShopperEventType; ts: number; max: number }
  | { op: 'user.remove'; user: string; item: string }
  | { op: 'user.count'; user: string; kind: EventType; ts: number }
  | { op: 'user.purchase'; user: string; item: string; max: number }
  | { op: 'user.vector'; user: string; vector: Float32Array }
  /**
   * Adds `weight` to the time-decayed popularity of `item` in `market`. Scores are kept as
   * log2(sum of weight * 2^(ts / halfLifeMs)), so the order is the same at any reading time and the
   * decayed value at time t is 2^(score - t / halfLifeMs).
   */
  | { op: 'item.trend'; market: string; item: string; weight: number; ts: number; halfLifeMs: number }
  /** Adds `by` to the relation a→b, keeping at most `max` neighbours of `a` (lowest dropped). */
  | { op: 'item.cooc'; rel: CoocRelation; a: string; b: string; by: number; max: number }
  | { op: 'item.review'; item: string; rating: number; sentiment: number }
  | { op: 'item.put'; item: CatalogItem }
  | { op: 'item.delete'; item: string }
  /** Search-then-click: a query token led to a click on `item`. Bounded per token. */
  | { op: 'query.click'; token: string; item: string; by: number; max: number };

/** The updates of one event, applied atomically and at most once per event id. */
export interface EventUpdates {
  eventId: string;
  updates: Update[];
}
