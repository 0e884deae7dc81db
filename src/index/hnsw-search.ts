import type { Scored } from '../core/index.ts';
import { toPlain, type MarketGraph } from './hnsw-graph.ts';

/** The smallest over-fetch when an `exclude` callback may drop results. */
const MIN_MARGIN = 16;

/**
 * What the searches of one index reuse: the query as a plain array (hnswlib-node reads plain arrays
 * only), and the labels of one search's excluded ids, flagged in `skipped` (a byte per label,
 * cleared after each search) and listed in `marked` to clear them.
 */
export interface SearchScratch {
  readonly plain: number[];
  readonly marked: number[];
  skipped: Uint8Array;
}

export function createSearchScratch(plain: number[], capacity: number): SearchScratch {
  return { plain, marked: [], skipped: new Uint8Array(capacity) };
}

/** Flags the excluded ids live in the graph: exactly how many more a search must fetch. */
function markExcluded(x: SearchScratch, g: MarketGraph, exclude: ReadonlySet<string>): number {
  if (x.skipped.length < g.capacity) x.skipped = new Uint8Array(g.capacity);
  for (const id of exclude) {
    const label = g.labels.get(id);
    if (label === undefined || x.skipped[label] === 1) continue;
    x.skipped[label] = 1;
    x.marked.push(label);
  }
  return x.marked.length;
}

function clearExcluded(x: SearchScratch): void {
  for (const label of x.marked) x.skipped[label] = 0;
  x.marked.length = 0;
}

/**
 * The `k` best live items of `g` for `query` (a checked vector), leaving out the ids of `excluded`
 * and those `exclude` accepts.
 */
export function searchGraph(
  g: MarketGraph,
  query: Float32Array,
  k: number,
  exclude: ((id: string) => boolean) | undefined,
  excluded: ReadonlySet<string> | undefined,
  x: SearchScratch,
): Scored[] {
  const inGraph = excluded === undefined ? 0 : markExcluded(x, g, excluded);
  try {
    const want = Math.min(Math.floor(k), g.live - inGraph);
    if (want <= 0) return [];
    const margin = inGraph + (exclude === undefined ? 0 : Math.max(want, MIN_MARGIN));
    return fetchUntilFull(g, toPlain(x.plain, query), want, Math.min(g.live, want + margin), exclude, x.skipped);
  } finally {
    clearExcluded(x);
  }
}

/**
 * Asks hnswlib for `fetch` neighbours and keeps the first `want` that are not skipped; fewer than
 * asked only when the graph returned fewer than `fetch` (or the callback dropped more than the
 * margin): then asks again for twice as many, up to the whole graph.
 */
function fetchUntilFull(
  g: MarketGraph,
  point: number[],
  want: number,
  fetch: number,
  exclude: ((id: string) => boolean) | undefined,
  skipped: Uint8Array,
): Scored[] {
  for (;;) {
    const { neighbors, distances } = g.hnsw.searchKnn(point, fetch);
    const out: Scored[] = [];
    for (let i = 0; i < neighbors.length && out.length < want; i++) {
      const label = neighbors[i] as number;
      const id = g.ids[label];
      if (id === undefined || skipped[label] === 1 || (exclude !== undefined && exclude(id))) continue;
      out.push({ id, score: 1 - (distances[i] as number) }); // ip distance is 1 - dot
    }
    if (out.length === want || fetch >= g.live) return out;
    fetch = Math.min(g.live, fetch * 2);
  }
}
