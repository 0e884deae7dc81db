import type { Worker } from 'node:worker_threads';
import { loadConfig } from '../../src/config/index.ts';
import type { AnswerReply, BuildRequest, BuiltReply, ShardReply } from './vector-index-shard.ts';
import { percentiles, round, rounded, nowMs, type Percentiles } from '../harness/stats.ts';
import { request, tsWorker } from '../harness/threads.ts';
import type { BenchOptions, Figure, Section } from '../harness/types.ts';
import { defaultSpec, queryBatch, type VectorKind, type VectorSpec } from './vectors.ts';

/**
 * Recall@10 of the engine's HNSW index against exact search, and its query latency, on synthetic
 * 64-d item embeddings. Large sets are split into shards built in parallel worker threads (one graph
 * per core); a query searches every shard and merges. The latency reported is the sum over shards:
 * what one thread pays to search them all, not the wall time of a parallel fan-out.
 */
export interface IndexCase {
  label: string;
  kind: VectorKind;
  items: number;
  shards: number;
  queries: number;
  /** The engine builds with 200; the largest set may build with less to fit the run, said in the report. */
  efConstruction: number;
}

export interface IndexCaseResult extends IndexCase {
  spec: VectorSpec;
  M: number;
  efSearch: number;
  recallAt10: number;
  /** Worst query's recall, to show whether misses are spread out or concentrated. */
  recallMin: number;
  /** Per query, microseconds, summed over shards. */
  latencyMicros: Percentiles;
  /** Exact search over the same shards, per query, microseconds: the price of not having an index. */
  exactMicros: Percentiles;
  build: {
    wallSeconds: number;
    shardSeconds: number[];
    /** All shards together, over the slowest shard's build time. */
    insertsPerSecond: number;
    insertsPerSecondPerThread: number;
    exactLoadSeconds: number;
    rssMB: number[];
  };
}

const K = 10;

export function indexCases(quick: boolean): IndexCase[] {
  const [small, large] = quick ? [20_000, 100_000] : [100_000, 1_000_000];
  return [
    { label: `clustered ${small / 1000}k`, kind: 'clustered', items: small, shards: 1, queries: 1000, efConstruction: 200 },
    { label: `uniform ${small / 1000}k`, kind: 'uniform', items: small, shards: 1, queries: 1000, efConstruction: 200 },
    { label: `clustered ${large / 1000}k`, kind: 'clustered', items: large, shards: 2, queries: 400, efConstruction: 100 },
  ];
}

function check<R extends ShardReply>(reply: ShardReply, op: R['op']): R {
  if (reply.op === 'error') throw new Error(`index shard failed: ${reply.message}`);
  if (reply.op !== op) throw new Error(`index shard: expected ${op}, got ${reply.op}`);
  return reply as R;
}

/** Merges per-shard top-k lists into the global top-k item numbers per query. */
function merge(answers: readonly AnswerReply[], n: number): Int32Array {
  const out = new Int32Array(n * K).fill(-1);
  const pool: { id: number; score: number }[] = [];
  for (let q = 0; q < n; q++) {
    pool.length = 0;
    for (const a of answers) {
      for (let j = 0; j < K; j++) {
        const id = a.ids[q * K + j] as number;
        if (id >= 0) pool.push({ id, score: a.scores[q * K + j] as number });
      }
    }
    pool.sort((x, y) => y.score - x.score);
    for (let j = 0; j < K && j < pool.length; j++) out[q * K + j] = (pool[j] as { id: number }).id;
  }
  return out;
}

function recall(found: Int32Array, truth: Int32Array, n: number): { mean: number; min: number } {
  let sum = 0;
  let min = 1;
  for (let q = 0; q < n; q++) {
    const want = new Set(truth.subarray(q * K, (q + 1) * K));
    let hit = 0;
    for (let j = 0; j < K; j++) if (want.has(found[q * K + j] as number)) hit++;
    const r = hit / Math.min(K, want.size);
    sum += r;
    min = Math.min(min, r);
  }
  return { mean: sum / n, min };
}

/** Per-query microseconds summed over shards. */
const summed = (answers: readonly AnswerReply[], n: number): Float64Array => {
  const out = new Float64Array(n);
  for (const a of answers) for (let q = 0; q < n; q++) out[q] = (out[q] as number) + (a.micros[q] as number);
  return out;
};

async function buildShards(workers: Worker[], c: IndexCase, spec: VectorSpec, params: Pick<BuildRequest, 'M' | 'efConstruction' | 'efSearch'>) {
  const per = Math.ceil(c.items / c.shards);
  const t0 = nowMs();
  const built = await Promise.all(
    workers.map(async (w, shard) => {
      const msg: BuildRequest = { op: 'build', spec, shard, from: shard * per, count: Math.min(per, c.items - shard * per), ...params };
      return check<BuiltReply>(await request<ShardReply>(w, msg), 'built');
    }),
  );
  return { wallSeconds: (nowMs() - t0) / 1000, built };
}

export async function runIndexCase(c: IndexCase, opts: BenchOptions): Promise<IndexCaseResult> {
  const config = loadConfig({ env: {} });
  const params = { M: config.index.M, efConstruction: c.efConstruction, efSearch: config.index.efSearch };
  const spec = defaultSpec(c.kind, opts.seed, config.index.dim);
  const workers = Array.from({ length: c.shards }, () => tsWorker(new URL('./vector-index-shard.ts', import.meta.url)));
  try {
    opts.log(`index ${c.label}: building ${c.shards} shard(s)`);
    const { wallSeconds, built } = await buildShards(workers, c, spec, params);
    const queries = queryBatch(spec, c.queries);
    opts.log(`index ${c.label}: built in ${wallSeconds.toFixed(1)} s; exact search of ${c.queries} queries`);
    const exact = await Promise.all(workers.map(async (w) => check<AnswerReply>(await request<ShardReply>(w, { op: 'exact', queries, k: K }), 'answered')));
    // One shard at a time, so the latencies are not two threads competing for the cores.
    const approx: AnswerReply[] = [];
    for (const w of workers) approx.push(check<AnswerReply>(await request<ShardReply>(w, { op: 'search', queries, k: K }), 'answered'));
    const r = recall(merge(approx, c.queries), merge(exact, c.queries), c.queries);
    const hnswSeconds = built.map((b) => b.hnswSeconds);
    return {
      ...c,
      spec,
      ...params,
      recallAt10: r.mean,
      recallMin: r.min,
      latencyMicros: rounded(percentiles(summed(approx, c.queries))),
      exactMicros: rounded(percentiles(summed(exact, c.queries))),
      build: {
        wallSeconds: round(wallSeconds),
        shardSeconds: hnswSeconds.map(round),
        insertsPerSecond: round(c.items / Math.max(...hnswSeconds)),
        insertsPerSecondPerThread: round(c.items / c.shards / Math.max(...hnswSeconds)),
        exactLoadSeconds: round(Math.max(...built.map((b) => b.exactSeconds))),
        rssMB: built.map((b) => round(b.rssMB)),
      },
    };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

function figuresOf(r: IndexCaseResult): Figure[] {
  const hard = r.kind === 'uniform';
  return [
    {
      key: `index.${r.kind}.${r.items}.recall`,
      label: `index recall@10, ${r.label}${r.shards > 1 ? ` (${r.shards} shards)` : ''}`,
      value: round(r.recallAt10),
      unit: '',
      // The target is for item embeddings; uniform random vectors are reported as the hard case.
      ...(hard ? { note: 'hard case (no structure); no target' } : { target: { op: '>=', value: 0.95 } }),
    },
    { key: `index.${r.kind}.${r.items}.p50`, label: `index query p50, ${r.label}`, value: round(r.latencyMicros.p50 / 1000), unit: 'ms' },
    { key: `index.${r.kind}.${r.items}.p99`, label: `index query p99, ${r.label}`, value: round(r.latencyMicros.p99 / 1000), unit: 'ms' },
    {
      key: `index.${r.kind}.${r.items}.build`,
      label: `index build, ${r.label}`,
      value: r.build.wallSeconds,
      unit: 's',
      note:
        `${r.shards} thread(s), ${r.build.insertsPerSecondPerThread} inserts/s per thread, M=${r.M} efConstruction=${r.efConstruction}` +
        (r.efConstruction < 200 ? ' (the engine builds with 200; lowered to fit the run)' : ''),
    },
  ];
}

export const runIndex: Section = async (opts) => {
  const results: IndexCaseResult[] = [];
  for (const c of indexCases(opts.quick)) results.push(await runIndexCase(c, opts));
  return { figures: results.flatMap(figuresOf), data: { k: K, cases: results } };
};
