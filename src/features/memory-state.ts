import { hash32 } from '../core/index.ts';
import { createVectorArena, type VectorArena } from './arena.ts';
import { BoundedCounts } from './neighbours.ts';
import { createTrendBoard, type TrendBoard } from './trending.ts';
import type { CatalogItem, CoocRelation, ItemStats, Update, UserState } from './types.ts';
import { applyUserUpdate, emptyUserState, isUserUpdate, type UserUpdate } from './user-state.ts';

/** Event ids applied so far, first in first out: past `limit` the oldest id is forgotten. */
export interface AppliedIds {
  has(id: string): boolean;
  add(id: string): void;
  /** Oldest first. */
  ordered(): Generator<string>;
  readonly size: number;
}

/** murmur3's finisher over FNV-1a: FNV's low bits alone are poor table positions for ids that differ at the end. */
function idHash(id: string): number {
  let h = hash32(id);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/**
 * An open-addressing table (linear probing, load at most one half) over a ring of the ids in
 * arrival order. A slot holds the id's 32-bit hash and its position in the ring, so a lookup reads
 * two typed arrays and touches a string only when the hashes match: a Set of millions of strings
 * costs several cache misses per lookup, and this runs twice per event (the pre-check and the apply).
 */
export function createAppliedIds(limit: number): AppliedIds {
  // `head` is the oldest once the ring is full.
  const ring: string[] = [];
  let head = 0;
  let mask = 1023;
  let slots = new Int32Array(mask + 1); // ring position + 1; 0: empty
  let hashes = new Int32Array(mask + 1);

  const find = (id: string, h: number): number => {
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const at = slots[i] as number;
      if (at === 0) return -1;
      if (hashes[i] === h && ring[at - 1] === id) return i;
    }
  };
  const place = (h: number, at: number): void => {
    let i = h & mask;
    while (slots[i] !== 0) i = (i + 1) & mask;
    slots[i] = at;
    hashes[i] = h;
  };
  /** Empties slot `i`, moving later entries of the probe run back so that no lookup stops short. */
  const vacate = (i: number): void => {
    slots[i] = 0;
    for (let j = (i + 1) & mask; slots[j] !== 0; j = (j + 1) & mask) {
      const home = (hashes[j] as number) & mask;
      // Entry j may move to i when its home is not cyclically within (i, j].
      if (i <= j ? home > i && home <= j : home > i || home <= j) continue;
      slots[i] = slots[j] as number;
      hashes[i] = hashes[j] as number;
      slots[j] = 0;
      i = j;
    }
  };
  const grow = (): void => {
    const oldSlots = slots;
    const oldHashes = hashes;
    mask = mask * 2 + 1;
    slots = new Int32Array(mask + 1);
    hashes = new Int32Array(mask + 1);
    for (let i = 0; i < oldSlots.length; i++) if (oldSlots[i] !== 0) place(oldHashes[i] as number, oldSlots[i] as number);
  };

  return {
    has: (id) => find(id, idHash(id)) >= 0,
    add(id) {
      const h = idHash(id);
      if (find(id, h) >= 0) return;
      if (ring.length < limit) {
        ring.push(id);
        if (ring.length * 2 > mask + 1) grow();
        place(h, ring.length);
        return;
      }
      const oldest = ring[head] as string;
      vacate(find(oldest, idHash(oldest)));
      ring[head] = id;
      place(h, head + 1);
      head = head + 1 === limit ? 0 : head + 1;
    },
    *ordered() {
      for (let i = 0; i < ring.length; i++) yield ring[(head + i) % ring.length] as string;
    },
    get size() {
      return ring.length;
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
