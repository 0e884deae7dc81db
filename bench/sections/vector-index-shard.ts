import { parentPort } from 'node:worker_threads';
import { createExactVectorIndex, createHnswVectorIndex, type VectorIndex } from '../../src/index/index.ts';
import { vectorSource, type VectorSpec } from './vectors.ts';

/**
 * One shard of the index measurement, in a worker thread: it builds the engine's HNSW index and the
 * exact index over its share of the items, then answers queries on either. Several shards build in
 * parallel; a query searches every shard and merges, which is how one graph per core scales.
 */
export const MARKET = 'XX';

export interface BuildRequest {
  op: 'build';
  spec: VectorSpec;
  shard: number;
  /** Global index of the shard's first item; items are named by their global index. */
  from: number;
  count: number;
  M: number;
  efConstruction: number;
  efSearch: number;
}

export interface QueryRequest {
  op: 'exact' | 'search';
  /** n × dim, flattened. */
  queries: Float32Array;
  k: number;
}

export type ShardRequest = BuildRequest | QueryRequest | { op: 'close' };

export interface BuiltReply {
  op: 'built';
  hnswSeconds: number;
  exactSeconds: number;
  items: number;
  heapMB: number;
  rssMB: number;
}

/** Top-k item numbers and scores per query (n × k, -1 where fewer), and each search's µs. */
export interface AnswerReply {
  op: 'answered';
  ids: Int32Array;
  scores: Float32Array;
  micros: Float64Array;
}

export type ShardReply = BuiltReply | AnswerReply | { op: 'error'; message: string };

let hnsw: VectorIndex | undefined;
let exact: VectorIndex | undefined;

function build(r: BuildRequest): BuiltReply {
  const next = vectorSource(r.spec, `items:${r.shard}`);
  const vectors: Float32Array[] = [];
  for (let i = 0; i < r.count; i++) vectors.push(next());
  const markets = [MARKET];
  const h = createHnswVectorIndex({ dim: r.spec.dim, M: r.M, efConstruction: r.efConstruction, efSearch: r.efSearch });
  let t0 = performance.now();
  for (let i = 0; i < r.count; i++) h.upsert(String(r.from + i), vectors[i] as Float32Array, markets);
  const hnswSeconds = (performance.now() - t0) / 1000;
  const x = createExactVectorIndex({ dim: r.spec.dim });
  t0 = performance.now();
  for (let i = 0; i < r.count; i++) x.upsert(String(r.from + i), vectors[i] as Float32Array, markets);
  const exactSeconds = (performance.now() - t0) / 1000;
  hnsw = h;
  exact = x;
  const mem = process.memoryUsage();
  return { op: 'built', hnswSeconds, exactSeconds, items: r.count, heapMB: mem.heapUsed / 2 ** 20, rssMB: mem.rss / 2 ** 20 };
}

function answer(index: VectorIndex, r: QueryRequest): AnswerReply {
  const n = r.queries.length / index.dim;
  const ids = new Int32Array(n * r.k).fill(-1);
  const scores = new Float32Array(n * r.k);
  const micros = new Float64Array(n);
  for (let q = 0; q < n; q++) {
    const query = r.queries.subarray(q * index.dim, (q + 1) * index.dim);
    const t0 = performance.now();
    const hits = index.search(MARKET, query, r.k);
    micros[q] = (performance.now() - t0) * 1000;
    hits.forEach((h, j) => {
      ids[q * r.k + j] = Number(h.id);
      scores[q * r.k + j] = h.score;
    });
  }
  return { op: 'answered', ids, scores, micros };
}

function handle(r: ShardRequest): ShardReply | undefined {
  if (r.op === 'close') {
    hnsw = undefined;
    exact = undefined;
    parentPort?.close();
    return undefined;
  }
  if (r.op === 'build') return build(r);
  const index = r.op === 'exact' ? exact : hnsw;
  if (index === undefined) throw new Error(`shard: ${r.op} before build`);
  return answer(index, r);
}

parentPort?.on('message', (r: ShardRequest) => {
  let reply: ShardReply | undefined;
  try {
    reply = handle(r);
  } catch (e) {
    reply = { op: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  if (reply === undefined) return;
  const transfer = reply.op === 'answered' ? [reply.ids.buffer as ArrayBuffer, reply.scores.buffer as ArrayBuffer, reply.micros.buffer as ArrayBuffer] : [];
  parentPort?.postMessage(reply, transfer);
});
