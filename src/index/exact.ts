import { dot, normalizedCopy } from '../core/index.ts';
import type { Scored } from '../core/index.ts';
import { checkInt, checkVector } from './checks.ts';
import { createTopK, type TopK } from './topk.ts';
import type { VectorIndex } from './types.ts';

export interface ExactVectorIndexOptions {
  dim: number;
}

/** The members of one market as parallel arrays (swap-remove keeps them dense for the scan). */
interface MarketMembers {
  readonly ids: string[];
  readonly vectors: Float32Array[];
  readonly pos: Map<string, number>;
}

interface Item {
  vector: Float32Array;
  markets: string[];
}

/** The market's members, made empty on first use. */
function membersOf(members: Map<string, MarketMembers>, market: string): MarketMembers {
  let m = members.get(market);
  if (m === undefined) {
    m = { ids: [], vectors: [], pos: new Map() };
    members.set(market, m);
  }
  return m;
}

/** Adds `id` at the end, or replaces its vector in place. */
function put(m: MarketMembers, id: string, vector: Float32Array): void {
  const at = m.pos.get(id);
  if (at !== undefined) {
    m.vectors[at] = vector;
    return;
  }
  m.pos.set(id, m.ids.length);
  m.ids.push(id);
  m.vectors.push(vector);
}

/** Removes `id` by moving the last member into its place. */
function take(m: MarketMembers, id: string): void {
  const at = m.pos.get(id);
  if (at === undefined) return;
  const last = m.ids.length - 1;
  const lastId = m.ids[last] as string;
  m.ids[at] = lastId;
  m.vectors[at] = m.vectors[last] as Float32Array;
  m.pos.set(lastId, at);
  m.ids.pop();
  m.vectors.pop();
  m.pos.delete(id);
}

/** Scores every member of `m` against `query`, keeping the best `k` in `top` (ties: the earlier member). */
function scan(
  m: MarketMembers,
  top: TopK,
  query: Float32Array,
  k: number,
  exclude: ((id: string) => boolean) | undefined,
  excluded: ReadonlySet<string> | undefined,
): Scored[] {
  top.reset(Math.min(Math.floor(k), m.ids.length));
  for (let i = 0; i < m.ids.length; i++) {
    const id = m.ids[i] as string;
    if ((exclude !== undefined && exclude(id)) || (excluded !== undefined && excluded.has(id))) continue;
    top.push(dot(query, m.vectors[i] as Float32Array), i);
  }
  return top.drain((slot) => m.ids[slot] as string);
}

/**
 * The vector index by brute force: exact scores, O(n·dim) per query. It is the reference that
 * measures the recall of the HNSW index, and a fine index for a catalog of a few thousand items.
 */
export function createExactVectorIndex({ dim }: ExactVectorIndexOptions): VectorIndex {
  checkInt('dim', dim, 1);
  const items = new Map<string, Item>();
  const members = new Map<string, MarketMembers>();
  const top = createTopK();

  return {
    dim,
    upsert(id, vector, markets) {
      checkVector(`vector of ${id}`, vector, dim);
      const unit = normalizedCopy(vector);
      const list = [...new Set(markets)];
      const prev = items.get(id);
      if (prev !== undefined) {
        for (const m of prev.markets) if (!list.includes(m)) take(membersOf(members, m), id);
      }
      for (const m of list) put(membersOf(members, m), id, unit);
      items.set(id, { vector: unit, markets: list });
    },
    remove(id) {
      const item = items.get(id);
      if (item === undefined) return;
      for (const m of item.markets) take(membersOf(members, m), id);
      items.delete(id);
    },
    has: (id) => items.has(id),
    vector: (id) => items.get(id)?.vector,
    search(market, query, k, exclude, options): Scored[] {
      const m = members.get(market);
      if (m === undefined || m.ids.length === 0 || !(k >= 1)) return [];
      checkVector('query', query, dim);
      return scan(m, top, query, k, exclude, options?.excluded);
    },
    size(market) {
      if (market === undefined) return items.size;
      return members.get(market)?.ids.length ?? 0;
    },
    markets() {
      const out: string[] = [];
      for (const [name, m] of members) if (m.ids.length > 0) out.push(name);
      return out;
    },
  };
}
