import hnsw from 'hnswlib-node';
import type { HierarchicalNSW } from 'hnswlib-node';
import type { Logger } from '../core/index.ts';

/** How every graph of one index is built and searched. */
export interface GraphParams {
  readonly dim: number;
  readonly M: number;
  readonly efConstruction: number;
  /** The ef a search uses unless the query asks for its own. */
  readonly efSearch: number;
  readonly seed: number;
}

/**
 * One HNSW graph of one market. Labels are dense ints: a removed item's label is marked deleted
 * and pushed on `free`; the next insert takes it back, and hnswlib then unmarks that very slot and
 * overwrites its vector (addPoint on an existing label), so slots and labels are both reused.
 */
export interface MarketGraph {
  readonly hnsw: HierarchicalNSW;
  capacity: number;
  /** Labels handed out so far (live + free). */
  next: number;
  live: number;
  /** The id of each label; undefined where the label is free. */
  readonly ids: (string | undefined)[];
  readonly labels: Map<string, number>;
  readonly free: number[];
  /** The ef hnswlib searches with now (set per query when a query asks for its own). */
  ef: number;
}

/** An empty graph with room for `capacity` items. */
export function createMarketGraph(p: GraphParams, capacity: number): MarketGraph {
  const index = new hnsw.HierarchicalNSW('ip', p.dim);
  index.initIndex({ maxElements: capacity, m: p.M, efConstruction: p.efConstruction, randomSeed: p.seed, allowReplaceDeleted: false });
  index.setEf(p.efSearch);
  return { hnsw: index, capacity, next: 0, live: 0, ids: [], labels: new Map(), free: [], ef: p.efSearch };
}

/**
 * A graph saved to `file` (by the build worker) with `ids[label]` at each label, read back on a
 * libuv thread. `pace` yields between label inserts, since a catalog's ids are many.
 */
export async function readMarketGraph(p: GraphParams, file: string, ids: string[], capacity: number, pace: () => Promise<void>): Promise<MarketGraph> {
  const index = new hnsw.HierarchicalNSW('ip', p.dim);
  await index.readIndex(file, false);
  index.setEf(p.efSearch);
  const labels = new Map<string, number>();
  for (let label = 0; label < ids.length; label++) {
    await pace();
    labels.set(ids[label] as string, label);
  }
  return { hnsw: index, capacity, next: ids.length, live: ids.length, ids, labels, free: [], ef: p.efSearch };
}

/** Copies `v` into `plain` (hnswlib-node reads plain arrays only; one reused buffer avoids a copy per call). */
export function toPlain(plain: number[], v: Float32Array): number[] {
  for (let i = 0; i < plain.length; i++) plain[i] = v[i] as number;
  return plain;
}

/**
 * Inserts `id` at `point` (or moves it there when it is in the graph already): a free label first,
 * else the next one, doubling the graph when it is full.
 */
export function putPoint(g: MarketGraph, market: string, id: string, point: number[], logger: Logger): void {
  const existing = g.labels.get(id);
  if (existing !== undefined) {
    g.hnsw.addPoint(point, existing); // same label: hnswlib updates the vector and its links
    return;
  }
  let label = g.free.pop();
  if (label === undefined) {
    if (g.next === g.capacity) {
      g.capacity *= 2;
      g.hnsw.resizeIndex(g.capacity);
      logger.debug('vector index graph grown', { market, capacity: g.capacity });
    }
    label = g.next++;
  }
  g.hnsw.addPoint(point, label);
  g.ids[label] = id;
  g.labels.set(id, label);
  g.live++;
}

/** Marks `id`'s label deleted and frees it for the next insert; nothing when `id` is not here. */
export function takePoint(g: MarketGraph, id: string): void {
  const label = g.labels.get(id);
  if (label === undefined) return;
  g.hnsw.markDelete(label);
  g.labels.delete(id);
  g.ids[label] = undefined;
  g.free.push(label);
  g.live--;
}

/** Grows the graph to `n` slots at once where it has fewer. */
export function reserveSlots(g: MarketGraph, n: number): void {
  if (g.capacity < n) {
    g.capacity = n;
    g.hnsw.resizeIndex(n);
  }
}

/** Makes hnswlib search `g` with `ef` (a call into the addon only when it changes). */
export function useEf(g: MarketGraph, ef: number): void {
  if (g.ef !== ef) {
    g.hnsw.setEf(ef);
    g.ef = ef;
  }
}
