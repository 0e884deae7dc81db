import type { CatalogItem, CoocRelation, EventUpdates, ItemStats, Scored, UserState } from '../features/index.ts';

/**
 * Port: the feature store. One instance serves one tenant (the namespace is given at creation).
 * Memory (embedded default, snapshot file) and Redis adapters pass one contract suite.
 */
export interface FeatureStore {
  readonly kind: string;
  /**
   * Applies each event's updates atomically; an event id already applied changes nothing.
   * Returns, per entry, whether it was applied (false: a duplicate).
   */
  apply(batch: readonly EventUpdates[]): Promise<boolean[]>;
  /** Whether this event id was already applied. */
  hasApplied(eventId: string): Promise<boolean>;
  /**
   * `hasApplied` of several ids in one call (one round trip where the store is remote), in order.
   * Optional: callers fall back to `hasApplied` per id.
   */
  hasAppliedEach?(eventIds: readonly string[]): Promise<boolean[]>;
  getUser(user: string): Promise<UserState | undefined>;
  /** `getUser` of several shoppers in one call (one round trip where the store is remote), in order. */
  getUsers(users: readonly string[]): Promise<(UserState | undefined)[]>;
  getItem(id: string): Promise<CatalogItem | undefined>;
  getItems(ids: readonly string[]): Promise<(CatalogItem | undefined)[]>;
  /** Every item of the catalog (for rebuilding indexes at start). */
  allItems(): AsyncIterable<CatalogItem>;
  itemCount(): Promise<number>;
  getItemStats(id: string): Promise<ItemStats | undefined>;
  /** Top `n` items by decayed popularity in a market, highest first (score as stored, log2). */
  topTrending(market: string, n: number): Promise<Scored[]>;
  /** Top `n` neighbours of `item` in a relation, highest first. */
  topCooc(rel: CoocRelation, item: string, n: number): Promise<Scored[]>;
  /** Items clicked after searches containing `token`, highest first. */
  topQueryClicks(token: string, n: number): Promise<Scored[]>;
  /** Whether the backing service answers (for /readyz). */
  ping(): Promise<boolean>;
  /** Persists what the adapter persists (memory: the snapshot file). */
  flush(): Promise<void>;
  close(): Promise<void>;
}
