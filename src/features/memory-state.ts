import { createVectorArena, type VectorArena } from './arena.ts';
import { BoundedCounts } from './neighbours.ts';
import { createTrendBoard, type TrendBoard } from './trending.ts';
import type { CatalogItem, CoocRelation, ItemStats, Update, UserState } from './types.ts';
import { applyUserUpdate, emptyUserState, type UserUpdate } from './user-state.ts';

/** Event ids applied so far, first in first out: past `limit` the oldest id is forgotten. */
export interface AppliedIds {
  has(id: string): boolean;
  add(id: string): void;
  /** Oldest first. */
  ordered(): Generator<string>;
  readonly size: number;
}

export function createAppliedIds(limit: number): AppliedIds {
  const set = new Set<string>();
  // A ring of the ids in arrival order; `head` is the oldest once the ring is full.
  const ring: string[] = [];
  let head = 0;
  return {
    has: (id) => set.has(id),
    add(id) {
      set.add(id);
      if (ring.length < limit) {
        ring.push(id);
        return;
      }
      set.delete(ring[head] as string);
      ring[head] = id;
      head = head + 1 === limit ? 0 : head + 1;
    },
    *ordered() {
      for (let i = 0; i < ring.length; i++) yield ring[(head + i) % ring.length] as string;
    },
    get size() {
      return set.size;
    },
  };
}

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

function applyToUser(s: MemoryState, u: UserUpdate): void {
  let user = s.users.get(u.user);
  if (user === undefined) {
    if (u.op === 'user.remove') return;
    user = emptyUserState();
    s.users.set(u.user, user);
  }
  if (u.op !== 'user.vector') {
    applyUserUpdate(user, u);
    return;
  }
  // The store keeps its own copy: overwritten in place when the size matches (readers get copies).
  if (user.vector !== undefined && user.vector.length === u.vector.length) user.vector.set(u.vector);
  else user.vector = s.vectors.copy(u.vector);
}

/** Applies one (validated) update. */
export function applyUpdate(s: MemoryState, u: Update): void {
  switch (u.op) {
    case 'user.push':
    case 'user.remove':
    case 'user.count':
    case 'user.purchase':
    case 'user.vector':
      applyToUser(s, u);
      return;
    case 'item.trend':
      boardOf(s, u.market).add(u.item, u.weight, u.ts, u.halfLifeMs);
      return;
    case 'item.cooc':
      countsOf(s.cooc[u.rel], u.a).add(u.b, u.by, u.max);
      return;
    case 'item.review': {
      const st = s.stats.get(u.item) ?? { ratingCount: 0, ratingSum: 0, sentimentSum: 0 };
      s.stats.set(u.item, {
        ratingCount: st.ratingCount + 1,
        ratingSum: st.ratingSum + u.rating,
        sentimentSum: st.sentimentSum + u.sentiment,
      });
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
