import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normalizeInPlace, tsWorker } from '../core/index.ts';
import { checkVector } from './checks.ts';
import type { BuildJob, BuildReply, GraphJob } from './hnsw-build.ts';
import { readMarketGraph, type GraphParams, type MarketGraph } from './hnsw-graph.ts';
import type { VectorEntry } from './types.ts';

/** An item of the index: its unit vector and the markets (distinct) whose graphs hold it. */
export interface IndexedItem {
  vector: Float32Array;
  markets: string[];
}

/** A bulk build's result, ready to be swapped in. */
export interface BuiltGraphs {
  readonly staged: Map<string, IndexedItem>;
  readonly graphs: Map<string, MarketGraph>;
}

/** Room a bulk-built graph leaves for the items that follow it: growing a graph later copies it. */
const BUILD_HEADROOM = 1.25;

/** The distinct markets of an upsert, in order (no Set for the usual single market). */
export function distinctMarkets(markets: readonly string[]): string[] {
  return markets.length <= 1 ? [...markets] : [...new Set(markets)];
}

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
 * Each market's entries in order (their labels) and the staged items, checked like upserts. The
 * unit vectors are views of one array; the work is sliced, since it runs on the serving thread.
 */
async function stage(dim: number, entries: readonly VectorEntry[], pace: () => Promise<void>): Promise<{ staged: Map<string, IndexedItem>; perMarket: Map<string, number[]> }> {
  const units = new Float32Array(entries.length * dim);
  const staged = new Map<string, IndexedItem>();
  const perMarket = new Map<string, number[]>();
  for (let e = 0; e < entries.length; e++) {
    await pace();
    const { id, vector, markets } = entries[e] as VectorEntry;
    checkVector(`vector of ${id}`, vector, dim);
    if (staged.has(id)) throw new Error(`build: id ${id} appears twice`);
    const unit = units.subarray(e * dim, (e + 1) * dim);
    unit.set(vector);
    normalizeInPlace(unit);
    const list = distinctMarkets(markets);
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
async function graphJob(
  dim: number,
  initialCapacity: number,
  entries: readonly VectorEntry[],
  staged: Map<string, IndexedItem>,
  rows: readonly number[],
  file: string,
  pace: () => Promise<void>,
): Promise<GraphJob & { ids: string[] }> {
  const vectors = new Float32Array(rows.length * dim);
  const ids: string[] = [];
  for (let label = 0; label < rows.length; label++) {
    await pace();
    const id = (entries[rows[label] as number] as VectorEntry).id;
    vectors.set((staged.get(id) as IndexedItem).vector, label * dim);
    ids.push(id);
  }
  const capacity = Math.max(initialCapacity, Math.ceil(rows.length * BUILD_HEADROOM));
  return { ids, capacity, count: rows.length, vectors, file };
}

/**
 * Builds one graph per market of `entries` in a worker thread, through files in a temporary
 * directory, and reads them back; then `commit` takes them (before the directory is removed).
 * `pace` slices the work left on this thread.
 */
export async function buildGraphs(
  p: GraphParams,
  initialCapacity: number,
  entries: readonly VectorEntry[],
  pace: () => Promise<void>,
  commit: (built: BuiltGraphs) => void,
): Promise<void> {
  const { staged, perMarket } = await stage(p.dim, entries, pace);
  const dir = await mkdtemp(join(tmpdir(), 'meridian-hnsw-'));
  try {
    const jobs: (GraphJob & { market: string; ids: string[] })[] = [];
    for (const [market, rows] of perMarket) {
      jobs.push({ market, ...(await graphJob(p.dim, initialCapacity, entries, staged, rows, join(dir, `${jobs.length}.hnsw`), pace)) });
    }
    const { dim, M, efConstruction, seed } = p;
    await buildInWorker({ dim, M, efConstruction, seed, graphs: jobs.map(({ capacity, count, vectors, file }) => ({ capacity, count, vectors, file })) });
    const graphs = new Map<string, MarketGraph>();
    for (const { market, ids, capacity, file } of jobs) graphs.set(market, await readMarketGraph(p, file, ids, capacity, pace));
    commit({ staged, graphs });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
