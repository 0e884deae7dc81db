import { createIdTable, createVectorArena, type IdTable, type VectorArena } from '../../core/index.ts';
import {
  applyUserUpdate,
  BoundedCounts,
  createTrendBoard,
  emptyUserState,
  isUserUpdate,
  type CatalogItem,
  type CoocRelation,
  type ItemStats,
  type TrendBoard,
  type Update,
  type UserState,
  type UserUpdate,
} from '../../features/index.ts';

/** The ids of applied events, oldest first, at most `limit` of them. */
export type AppliedIds = IdTable;
export const createAppliedIds = (limit: number): AppliedIds => createIdTable(limit);

/** Everything the memory feature store holds for one tenant. */
export interface MemoryState {
  readonly users: Map<string, UserState>;
  readonly items: Map<string, CatalogItem>;
  readonly stats: Map<string, ItemStats>;
  readonly trending: Map<string, TrendBoard>;
  readonly cooc: Record<CoocRelation, Map<string, BoundedCounts>>;
  readonly queryClicks: Map<string, BoundedCounts>;
  readonly applied: AppliedIds;
  readonly trendingTopK: number;
  /** Stored user vectors (as long-lived as each other). */
  readonly vectors: VectorArena;
}

export function createMemoryState(appliedIdsLimit: number, trendingTopK: number): MemoryState {
  return {
    users: new Map(),
    items: new Map(),
    stats: new Map(),
    trending: new Map(),
    cooc: { view: new Map(), buy: new Map() },
    queryClicks: new Map(),
    applied: createAppliedIds(appliedIdsLimit),
    trendingTopK,
    vectors: createVectorArena(),
  };
}

export function boardOf(s: MemoryState, market: string): TrendBoard {
  let b = s.trending.get(market);
  if (b === undefined) {
    b = createTrendBoard(s.trendingTopK);
    s.trending.set(market, b);
  }
  return b;
}

function countsOf(m: Map<string, BoundedCounts>, key: string): BoundedCounts {
  let c = m.get(key);
  if (c === undefined) {
    c = new BoundedCounts();
    m.set(key, c);
  }
  return c;
}

function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

/** A frozen copy, so the stored catalog can be handed to readers without copying on every read. */
export const frozenItem = (item: CatalogItem): CatalogItem => deepFreeze(structuredClone(item));

function applyToUser(s: MemoryState, user: UserState, u: UserUpdate): void {
  if (u.op !== 'user.vector') {
    applyUserUpdate(user, u);
    return;
  }
  // The store keeps its own copy: overwritten in place when the size matches (readers get copies).
  if (user.vector !== undefined && user.vector.length === u.vector.length) user.vector.set(u.vector);
  else user.vector = s.vectors.copy(u.vector);
}

/** Item and query updates but the pairs (`applyUpdates` handles those). */
function applyToItems(s: MemoryState, u: Exclude<Update, UserUpdate | { op: 'item.cooc' }>): void {
  switch (u.op) {
    case 'item.trend':
      boardOf(s, u.market).add(u.item, u.weight, u.ts, u.halfLifeMs);
      return;
    case 'item.review': {
      const st = s.stats.get(u.item);
      // Changed in place (readers get copies); a first review sums from zero like later ones (-0 becomes 0).
      if (st === undefined) s.stats.set(u.item, { ratingCount: 1, ratingSum: 0 + u.rating, sentimentSum: 0 + u.sentiment });
      else {
        st.ratingCount += 1;
        st.ratingSum += u.rating;
        st.sentimentSum += u.sentiment;
      }
      return;
    }
    case 'item.put':
      s.items.set(u.item.id, frozenItem(u.item));
      return;
    case 'item.delete':
      // A deleted item leaves the catalog and trending (it would only take a slot there); its
      // co-occurrence and review statistics stay for when it comes back.
      s.items.delete(u.item);
      for (const board of s.trending.values()) board.remove(u.item);
      return;
    case 'query.click':
      countsOf(s.queryClicks, u.token).add(u.item, u.by, u.max);
      return;
  }
}

/**
 * Applies the (validated) updates of one event, in order. An event's user updates name one
 * shopper, so the shopper's state is looked up once rather than once per update. Its pairs name
 * the event's item once per partner, both ways (a→p, p→a, a→q, q→a, …), so the last two neighbour
 * lists looked up are kept, most recent first, which spares most lookups of the item's own list.
 */
export function applyUpdates(s: MemoryState, updates: readonly Update[]): void {
  let key: string | undefined;
  let user: UserState | undefined;
  let a1: string | undefined;
  let rel1: CoocRelation | undefined;
  let counts1: BoundedCounts | undefined;
  let a2: string | undefined;
  let rel2: CoocRelation | undefined;
  let counts2: BoundedCounts | undefined;
  for (let i = 0; i < updates.length; i++) {
    const u = updates[i] as Update;
    if (u.op === 'item.cooc') {
      let c: BoundedCounts;
      if (u.a === a1 && u.rel === rel1) c = counts1 as BoundedCounts;
      else {
        c = u.a === a2 && u.rel === rel2 ? (counts2 as BoundedCounts) : countsOf(s.cooc[u.rel], u.a);
        a2 = a1;
        rel2 = rel1;
        counts2 = counts1;
        a1 = u.a;
        rel1 = u.rel;
        counts1 = c;
      }
      c.add(u.b, u.by, u.max);
      continue;
    }
    if (!isUserUpdate(u)) {
      applyToItems(s, u);
      continue;
    }
    if (u.user !== key) {
      key = u.user;
      user = s.users.get(key);
    }
    if (user === undefined) {
      if (u.op === 'user.remove') continue;
      user = emptyUserState();
      s.users.set(key, user);
    }
    applyToUser(s, user, u);
  }
}
