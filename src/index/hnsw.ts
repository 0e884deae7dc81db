import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import hnsw from 'hnswlib-node';
import type { HierarchicalNSW } from 'hnswlib-node';
import { createPacer, normalizedCopy, normalizeInPlace, silentLogger, tsWorker } from '../core/index.ts';
import type { Instrumentation, Logger, Scored } from '../core/index.ts';
import { checkInt, checkVector } from './checks.ts';
import type { BuildJob, BuildReply, GraphJob } from './hnsw-build.ts';
import type { VectorEntry, VectorIndex, VectorSearchOptions } from './types.ts';

export interface HnswVectorIndexOptions {
  dim: number;
  /** Slots each market's graph starts with; a full graph doubles. */
  initialCapacity?: number;
  M?: number;
  efConstruction?: number;
  /**
   * The candidate list of a search; hnswlib uses max(efSearch, fetched). 200 keeps recall@10 above
   * 0.95 on 10k isotropic 64-d vectors (64 gives ~0.82 there); structured embeddings need less.
   * A query may ask for its own (`options.ef`).
   */
  efSearch?: number;
  /** Seed of the level generator, so a graph built from the same upserts is the same graph. */
  seed?: number;
  logger?: Logger;
  instrumentation?: Instrumentation;
}

/**
 * One HNSW graph of one market. Labels are dense ints: a removed item's label is marked deleted
 * and pushed on `free`; the next insert takes it back, and hnswlib then unmarks that very slot and
 * overwrites its vector (addPoint on an existing label), so slots and labels are both reused.
 */
interface MarketGraph {
  readonly hnsw: HierarchicalNSW;
  capacity: number;
  /** Labels handed out so far (live + free). */
  next: number;
  live: number;
  readonly ids: (string | undefined)[];
  readonly labels: Map<string, number>;
  readonly free: number[];
  /** The ef hnswlib searches with now (set per query when a query asks for its own). */
  ef: number;
}

interface Item {
  vector: Float32Array;
  markets: string[];
}

/** The smallest over-fetch when an `exclude` callback may drop results. */
const MIN_MARGIN = 16;

/** Room a bulk-built graph leaves for the items that follow it: growing a graph later copies it. */
const BUILD_HEADROOM = 1.25;

/** Runs one build job in a worker thread; the vectors' buffers move to it. */
async function buildInWorker(job: BuildJob): Promise<void> {
  const worker = tsWorker(new URL('./hnsw-build.ts', import.meta.url));
  try {
    const reply = await new Promise<BuildReply>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`index build worker exited (${String(code)}) before it answered`)));
      worker.postMessage(job, job.graphs.map((g) => g.vectors.buffer as ArrayBuffer));
    });
    if (!reply.ok) throw new Error(`index build failed: ${reply.error}`);
  } finally {
    await worker.terminate();
  }
}

/**
 * The vector index on hnswlib-node, inner product on unit vectors (so the score is the cosine).
 * Market restriction costs nothing at query time: each market has its own graph and an item sold
 * in several markets sits in each of them. A filter callback would cross into JS per visited node.
 */
export function createHnswVectorIndex({
  dim,
  initialCapacity = 1024,
  M = 16,
  efConstruction = 200,
  efSearch = 200,
  seed = 100,
  logger = silentLogger,
  instrumentation,
}: HnswVectorIndexOptions): VectorIndex {
  checkInt('dim', dim, 1);
  checkInt('initialCapacity', initialCapacity, 1);
  checkInt('M', M, 2);
  checkInt('efConstruction', efConstruction, 1);
  checkInt('efSearch', efSearch, 1);
  checkInt('seed', seed, 0);

  const items = new Map<string, Item>();
  const graphs = new Map<string, MarketGraph>();
  // hnswlib-node reads plain arrays only; one reused buffer avoids a copy per call.
  const plain: number[] = new Array<number>(dim).fill(0);
  const toPlain = (v: Float32Array): number[] => {
    for (let i = 0; i < dim; i++) plain[i] = v[i] as number;
    return plain;
  };

  const graphFor = (market: string, capacity = initialCapacity): MarketGraph => {
    let g = graphs.get(market);
    if (g === undefined) {
      const index = new hnsw.HierarchicalNSW('ip', dim);
      index.initIndex({ maxElements: capacity, m: M, efConstruction, randomSeed: seed, allowReplaceDeleted: false });
      index.setEf(efSearch);
      g = { hnsw: index, capacity, next: 0, live: 0, ids: [], labels: new Map(), free: [], ef: efSearch };
      graphs.set(market, g);
    }
    return g;
  };

  const put = (g: MarketGraph, market: string, id: string, point: number[]): void => {
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
  };

  const take = (g: MarketGraph, id: string): void => {
    const label = g.labels.get(id);
    if (label === undefined) return;
    g.hnsw.markDelete(label);
    g.labels.delete(id);
    g.ids[label] = undefined;
    g.free.push(label);
    g.live--;
  };

  /** Labels of one search's excluded ids, marked in `skipped` (reused, cleared after the search). */
  const marked: number[] = [];
  let skipped = new Uint8Array(initialCapacity);

  /** Marks the excluded ids live in the graph: exactly how many more a search must fetch. */
  const mark = (g: MarketGraph, exclude: ReadonlySet<string>): number => {
    if (skipped.length < g.capacity) skipped = new Uint8Array(g.capacity);
    for (const id of exclude) {
      const label = g.labels.get(id);
      if (label === undefined || skipped[label] === 1) continue;
      skipped[label] = 1;
      marked.push(label);
    }
    return marked.length;
  };

  const search = (market: string, query: Float32Array, k: number, exclude?: (id: string) => boolean, options?: VectorSearchOptions): Scored[] => {
    const g = graphs.get(market);
    if (g === undefined || g.live === 0 || !(k >= 1)) return [];
    checkVector('query', query, dim);
    const ef = options?.ef === undefined ? efSearch : checkInt('ef', options.ef, 1);
    if (g.ef !== ef) {
      g.hnsw.setEf(ef);
      g.ef = ef;
    }
    const inGraph = options?.excluded === undefined ? 0 : mark(g, options.excluded);
    try {
      const want = Math.min(Math.floor(k), g.live - inGraph);
      if (want <= 0) return [];
      let fetch = Math.min(g.live, want + inGraph + (exclude === undefined ? 0 : Math.max(want, MIN_MARGIN)));
      const point = toPlain(query);
      for (;;) {
        const { neighbors, distances } = g.hnsw.searchKnn(point, fetch);
        const out: Scored[] = [];
        for (let i = 0; i < neighbors.length && out.length < want; i++) {
          const label = neighbors[i] as number;
          const id = g.ids[label];
          if (id === undefined || skipped[label] === 1 || (exclude !== undefined && exclude(id))) continue;
          out.push({ id, score: 1 - (distances[i] as number) }); // ip distance is 1 - dot
        }
        // Fewer than asked only when the graph returned fewer than `fetch` (or the callback dropped
        // more than the margin): ask again for more.
        if (out.length === want || fetch >= g.live) return out;
        fetch = Math.min(g.live, fetch * 2);
      }
    } finally {
      for (const label of marked) skipped[label] = 0;
      marked.length = 0;
    }
  };

  function* upsertSteps(id: string, vector: Float32Array, markets: readonly string[]): Generator<void> {
    checkVector(`vector of ${id}`, vector, dim);
    const unit = normalizedCopy(vector);
    const list = markets.length <= 1 ? [...markets] : [...new Set(markets)];
    const prev = items.get(id);
    if (prev !== undefined) {
      for (const m of prev.markets) {
        if (!list.includes(m)) take(graphFor(m), id);
      }
    }
    const point = toPlain(unit);
    for (let i = 0; i < list.length; i++) {
      if (i > 0) yield;
      const m = list[i] as string;
      put(graphFor(m), m, id, point);
    }
    items.set(id, { vector: unit, markets: list });
    instrumentation?.emit('index.upsert', { kind: 'vector' });
  }

  /**
   * Each market's entries in order (their labels) and the staged items, checked like upserts. The
   * unit vectors are views of one array; the work is sliced, since it runs on the serving thread.
   */
  async function stage(entries: readonly VectorEntry[], pace: () => Promise<void>): Promise<{ staged: Map<string, Item>; perMarket: Map<string, number[]> }> {
    const units = new Float32Array(entries.length * dim);
    const staged = new Map<string, Item>();
    const perMarket = new Map<string, number[]>();
    for (let e = 0; e < entries.length; e++) {
      await pace();
      const { id, vector, markets } = entries[e] as VectorEntry;
      checkVector(`vector of ${id}`, vector, dim);
      if (staged.has(id)) throw new Error(`build: id ${id} appears twice`);
      const unit = units.subarray(e * dim, (e + 1) * dim);
      unit.set(vector);
      normalizeInPlace(unit);
      const list = markets.length <= 1 ? [...markets] : [...new Set(markets)];
      staged.set(id, { vector: unit, markets: list });
      for (const m of list) {
        const rows = perMarket.get(m);
        if (rows === undefined) perMarket.set(m, [e]);
        else rows.push(e);
      }
    }
    return { staged, perMarket };
  }

  /** One market's graph job: its entries' unit vectors in label order. */
  async function graphJob(entries: readonly VectorEntry[], staged: Map<string, Item>, rows: readonly number[], file: string, pace: () => Promise<void>): Promise<GraphJob & { ids: string[] }> {
    const vectors = new Float32Array(rows.length * dim);
    const ids: string[] = [];
    for (let label = 0; label < rows.length; label++) {
      await pace();
      const id = (entries[rows[label] as number] as VectorEntry).id;
      vectors.set((staged.get(id) as Item).vector, label * dim);
      ids.push(id);
    }
    const capacity = Math.max(initialCapacity, Math.ceil(rows.length * BUILD_HEADROOM));
    return { ids, capacity, count: rows.length, vectors, file };
  }

  async function build(entries: readonly VectorEntry[]): Promise<void> {
    if (items.size > 0) throw new Error('build fills an empty index only');
    const pace = createPacer();
    const { staged, perMarket } = await stage(entries, pace);
    const dir = await mkdtemp(join(tmpdir(), 'meridian-hnsw-'));
    try {
      const jobs: (GraphJob & { market: string; ids: string[] })[] = [];
      for (const [market, rows] of perMarket) jobs.push({ market, ...(await graphJob(entries, staged, rows, join(dir, `${jobs.length}.hnsw`), pace)) });
      await buildInWorker({ dim, M, efConstruction, seed, graphs: jobs.map(({ capacity, count, vectors, file }) => ({ capacity, count, vectors, file })) });
      const loaded = new Map<string, MarketGraph>();
      for (const { market, ids, capacity, file } of jobs) {
        const index = new hnsw.HierarchicalNSW('ip', dim);
        await index.readIndex(file, false); // hnswlib reads on a libuv thread
        index.setEf(efSearch);
        const labels = new Map<string, number>();
        for (let label = 0; label < ids.length; label++) {
          await pace();
          labels.set(ids[label] as string, label);
        }
        loaded.set(market, { hnsw: index, capacity, next: ids.length, live: ids.length, ids, labels, free: [], ef: efSearch });
      }
      if (items.size > 0) throw new Error('the index changed during its build');
      graphs.clear();
      for (const [m, g] of loaded) graphs.set(m, g);
      for (const [id, item] of staged) items.set(id, item);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  return {
    dim,
    build,
    upsert(id, vector, markets) {
      for (const step of upsertSteps(id, vector, markets)) void step;
    },
    upsertSteps,
    reserve(market, n) {
      checkInt('n', n, 1);
      const g = graphFor(market, Math.max(initialCapacity, n));
      if (g.capacity < n) {
        g.capacity = n;
        g.hnsw.resizeIndex(n);
      }
    },
    remove(id) {
      const item = items.get(id);
      if (item === undefined) return;
      for (const m of item.markets) take(graphFor(m), id);
      items.delete(id);
    },
    has: (id) => items.has(id),
    /** The stored unit vector itself (not a copy): callers must not write to it. */
    vector: (id) => items.get(id)?.vector,
    search(market, query, k, exclude, options) {
      if (instrumentation === undefined) return search(market, query, k, exclude, options);
      const t0 = performance.now();
      const out = search(market, query, k, exclude, options);
      instrumentation.emit('index.search', { kind: 'vector', ms: performance.now() - t0 });
      return out;
    },
    size(market) {
      if (market === undefined) return items.size;
      return graphs.get(market)?.live ?? 0;
    },
    markets() {
      const out: string[] = [];
      for (const [m, g] of graphs) if (g.live > 0) out.push(m);
      return out;
    },
  };
}
