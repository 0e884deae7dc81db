import type { ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { dot } from '../../src/core/index.ts';
import { RECOMMEND_EF } from '../../src/engine/recommend.ts';
import { recommendationsPath, sample, searchPath, type BenchEngine } from '../harness/engine.ts';
import { clickFeeder, keepLists, type ListUse } from './kept-lists.ts';
import type { LoadResult, LoadSpec } from './load.ts';
import { profiled } from '../harness/profile.ts';
import { cpuMeter, round } from '../harness/stats.ts';
import { request, tsChild } from '../harness/threads.ts';
import type { BenchOptions, Figure, Section } from '../harness/types.ts';

/**
 * Serving latency and throughput of recommendations and search over HTTP, beside a bare Fastify
 * route that returns a recommendations body of the same size without doing anything: the ratio of
 * the two is the engine's share, and holds on a busy machine where absolute numbers do not.
 */
export type Target = 'recommendations' | 'kept' | 'search' | 'bare';

/** A click per this many list requests while the kept lists are measured (see kept-lists.ts). */
export const REQUESTS_PER_CLICK = 4;

/** Seconds of the same load, clicks included, before a kept-lists run is measured. */
const KEPT_WARMUP_SECONDS = 5;

/** One load run, with what the server process spent on it (it runs nothing else meanwhile). */
export interface ServingRun extends LoadResult {
  target: Target;
  /** Server CPU (user + system) per completed request. */
  serverCpuMicrosPerRequest: number;
  /** Share of the wall time the server's event loop was busy. */
  serverLoopUtilization: number;
  /** Of the time the server thread was runnable, the share it waited for a core (other processes). */
  serverWaitShare: number | null;
  /** Kept lists served and computed, and the clicks posted meanwhile (the `kept` target). */
  lists?: ListUse;
}

/**
 * Recall of the vector search of recommendations against exact search over the same vectors, on
 * the storefront's own shoppers: each query is a shopper's vector in their market with their seen
 * and purchased items excluded, as a recommendation asks it. The fetch is 3k + 10 for k = 10;
 * serving fetches that plus the number of exclusions, so its candidate list is at least as long
 * and its recall at least this.
 */
export interface RecommendationRecall {
  queries: number;
  fetch: number;
  /** The ef recommendations search with. */
  ef: number;
  recallAt10: number;
  recallAtFetch: number;
  /** The same queries at the index's own ef (the config's efSearch), for comparison. */
  indexEf: { recallAt10: number; recallAtFetch: number };
}

export interface ServingData {
  storefront: { items: number; events: number; shoppers: number; queries: number; seedSeconds: number; seedEventsPerSecond: number };
  recall: RecommendationRecall;
  bodyBytes: { recommendations: number; search: number; bare: number };
  maxThroughput: ServingRun[];
  fixedRate: ServingRun[];
  ratioToBare: { recommendations: number; kept: number; search: number };
  /** The bare route's runs disagree by this much (max/min - 1): the noise of the machine. */
  bareSpread: number;
}

interface Plan {
  seconds: number;
  warmupSeconds: number;
  connections: number;
  rate: number;
  streams: number;
}

const plan = (quick: boolean): Plan =>
  quick
    ? { seconds: 3, warmupSeconds: 1, connections: 32, rate: 1000, streams: 20 }
    : { seconds: 10, warmupSeconds: 2, connections: 32, rate: 1000, streams: 20 };

/** A bare Fastify app answering one precomputed JSON body: the framework alone. */
async function bareServer(body: string): Promise<{ app: FastifyInstance; origin: string }> {
  const app = Fastify({ logger: false });
  app.get('/bare', async (_req, reply) => reply.header('content-type', 'application/json; charset=utf-8').send(body));
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, origin: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
}

/** Bodies of a few requests; the one of median size is the typical body. Fails on any non-200. */
async function typicalBody(origin: string, paths: readonly string[]): Promise<string> {
  const bodies: string[] = [];
  for (const p of paths) {
    const res = await fetch(origin + p);
    const text = await res.text();
    if (res.status !== 200) throw new Error(`GET ${p} answered ${res.status}: ${text.slice(0, 300)}`);
    bodies.push(text);
  }
  bodies.sort((a, b) => Buffer.byteLength(a) - Buffer.byteLength(b));
  return bodies[bodies.length >> 1] as string;
}

async function measured(child: ChildProcess, target: Target, spec: LoadSpec, profileDir?: string, feed?: () => { stop(): Promise<ListUse> }): Promise<ServingRun> {
  const feeder = feed?.();
  const meter = cpuMeter();
  const elu0 = performance.eventLoopUtilization();
  const name = `serving-${target}-${spec.rate > 0 ? spec.rate : 'max'}`;
  const reply = await profiled(target === 'bare' ? undefined : profileDir, name, () =>
    request<{ op: 'result'; result: LoadResult } | { op: 'error'; message: string }>(child, { op: 'run', spec }),
  );
  const usage = meter.stop();
  const lists = await feeder?.stop();
  if (reply.op === 'error') throw new Error(`load ${spec.label}: ${reply.message}`);
  const elu = performance.eventLoopUtilization(elu0);
  const r = reply.result;
  // The warm-up's requests are in the CPU too; count them at the measured rate.
  const requests = r.ok + r.rps * spec.warmupSeconds;
  return {
    ...r,
    target,
    serverCpuMicrosPerRequest: round((usage.processCpuSeconds * 1e6) / Math.max(1, requests)),
    serverLoopUtilization: round(elu.utilization),
    serverWaitShare: usage.mainThreadWaitShare,
    ...(lists === undefined ? {} : { lists }),
  };
}

/** The exact top `n` of a market by inner product, leaving out `excluded`. */
function exactTop(members: readonly { id: string; v: Float32Array }[], query: Float32Array, n: number, excluded: ReadonlySet<string>): string[] {
  const scored: { id: string; s: number }[] = [];
  for (const m of members) if (!excluded.has(m.id)) scored.push({ id: m.id, s: dot(query, m.v) });
  scored.sort((a, b) => b.s - a.s);
  return scored.slice(0, n).map((x) => x.id);
}

const overlap = (found: readonly string[], truth: readonly string[], n: number): number => {
  const want = new Set(truth.slice(0, n));
  let hit = 0;
  for (const id of found.slice(0, n)) if (want.has(id)) hit++;
  return want.size === 0 ? 1 : hit / want.size;
};

async function recommendationRecall(engine: BenchEngine, shoppers: number): Promise<RecommendationRecall> {
  const ctx = await engine.rt.tenants.get('default');
  const members = new Map<string, { id: string; v: Float32Array }[]>();
  for await (const item of ctx.store.allItems()) {
    const v = ctx.vectors.vector(item.id);
    if (v === undefined) continue;
    for (const m of item.availableIn) {
      let list = members.get(m);
      if (list === undefined) members.set(m, (list = []));
      list.push({ id: item.id, v });
    }
  }
  const fetch = 3 * 10 + 10;
  let queries = 0;
  const sums = { at10: 0, atFetch: 0, indexAt10: 0, indexAtFetch: 0 };
  for (const s of engine.shoppers.slice(0, shoppers)) {
    const state = await ctx.store.getUser(`u:${s.user}`);
    const market = members.get(s.market);
    if (state?.vector === undefined || market === undefined) continue;
    const query = engine.rt.models.encoder.query(state.vector);
    const excluded = new Set([...state.recent.map((r) => r.item), ...state.purchased]);
    const truth = exactTop(market, query, fetch, excluded);
    const served = ctx.vectors.search(s.market, query, fetch, undefined, { ef: RECOMMEND_EF, excluded }).map((h) => h.id);
    const atIndexEf = ctx.vectors.search(s.market, query, fetch, undefined, { excluded }).map((h) => h.id);
    sums.at10 += overlap(served, truth, 10);
    sums.atFetch += overlap(served, truth, fetch);
    sums.indexAt10 += overlap(atIndexEf, truth, 10);
    sums.indexAtFetch += overlap(atIndexEf, truth, fetch);
    queries++;
  }
  const mean = (x: number): number => round(x / Math.max(1, queries));
  return {
    queries,
    fetch,
    ef: RECOMMEND_EF,
    recallAt10: mean(sums.at10),
    recallAtFetch: mean(sums.atFetch),
    indexEf: { recallAt10: mean(sums.indexAt10), recallAtFetch: mean(sums.indexAtFetch) },
  };
}

const NAMES: Record<Target, string> = {
  recommendations: 'recommendations (ranked per request)',
  kept: 'recommendations (kept lists, shoppers clicking)',
  search: 'search',
  bare: 'bare route',
};

/** Kept lists served over the run, and the clicks that made them stale. */
const listNote = (r: ServingRun): string =>
  r.lists === undefined
    ? ''
    : `; ${round((100 * r.lists.hits) / Math.max(1, r.lists.hits + r.lists.misses))}% served from kept lists, ${r.lists.clicks} clicks posted (1 per ${REQUESTS_PER_CLICK} requests)`;

function figures(d: ServingData, rate: number): Figure[] {
  const max = (t: Target): ServingRun | undefined => d.maxThroughput.find((r) => r.target === t);
  const fixed = (t: Target): ServingRun | undefined => d.fixedRate.find((r) => r.target === t);
  const bare = d.maxThroughput.filter((r) => r.target === 'bare');
  const bareRps = bare.reduce((a, r) => a + r.rps, 0) / bare.length;
  const out: Figure[] = [];
  for (const t of ['recommendations', 'kept', 'search'] as const) {
    const f = fixed(t);
    const m = max(t);
    const name = NAMES[t];
    const recs = t !== 'search';
    out.push(
      { key: `serving.${t}.p50`, label: `${name} p50 at ${rate} req/s`, value: f?.latencyMs.p50 ?? null, unit: 'ms' },
      {
        key: `serving.${t}.p99`,
        label: `${name} p99 at ${rate} req/s`,
        value: f?.latencyMs.p99 ?? null,
        unit: 'ms',
        note: f === undefined ? undefined : `achieved ${round(f.rps)} req/s, ${f.non2xx + f.errors} errors${listNote(f)}`,
        ...(recs ? { target: { op: '<=', value: 10 } as const } : {}),
      },
      {
        key: `serving.${t}.rps`,
        label: `${name} max throughput`,
        value: m === undefined ? null : round(m.rps),
        unit: 'req/s',
        note: m === undefined ? undefined : `p99 ${m.latencyMs.p99} ms at ${m.connections} connections${listNote(m)}`,
      },
      {
        key: `serving.${t}.ratio`,
        label: `${name} throughput / bare route`,
        value: round(d.ratioToBare[t]),
        unit: '',
        ...(recs ? { target: { op: '>=', value: 0.25 } as const } : {}),
      },
    );
  }
  const bareCpu = bare.reduce((a, r) => a + r.serverCpuMicrosPerRequest, 0) / bare.length;
  for (const t of ['recommendations', 'kept', 'search'] as const) {
    const cpu = max(t)?.serverCpuMicrosPerRequest;
    out.push({
      key: `serving.${t}.cpu_ratio`,
      label: `bare route CPU / ${NAMES[t]} CPU per request`,
      value: cpu === undefined ? null : round(bareCpu / cpu),
      unit: '',
      note: 'the throughput ratio when the server\'s core is the limit, not the load generator',
    });
  }
  for (const t of ['recommendations', 'kept', 'search', 'bare'] as const) {
    const m = max(t);
    out.push({
      key: `serving.${t}.cpu`,
      label: `${NAMES[t]} server CPU per request`,
      value: m?.serverCpuMicrosPerRequest ?? null,
      unit: 'µs',
      note: 'at max throughput; mostly independent of what else the machine runs',
    });
  }
  out.push({ key: 'serving.bare.rps', label: 'bare Fastify route max throughput', value: round(bareRps), unit: 'req/s', note: `mean of ${bare.length} runs, spread ${round(d.bareSpread * 100)}%` });
  const r = d.recall;
  out.push(
    {
      key: 'serving.recommendations.recall10',
      label: `recommendations vector recall@10 at ef ${r.ef}`,
      value: r.recallAt10,
      unit: '',
      target: { op: '>=', value: 0.95 },
      note: `against exact search, ${r.queries} shoppers' own vectors, their seen and purchased items excluded; at the index's ef: ${r.indexEf.recallAt10}`,
    },
    {
      key: 'serving.recommendations.recall_fetch',
      label: `recommendations vector recall@${r.fetch} at ef ${r.ef}`,
      value: r.recallAtFetch,
      unit: '',
      note: `every candidate the vector search hands on for k = 10; at the index's ef: ${r.indexEf.recallAtFetch}`,
    },
  );
  return out;
}

async function runServingOn(engine: BenchEngine, opts: BenchOptions): Promise<ServingData> {
  const p = plan(opts.quick);
  const asked = sample(engine.shoppers, 4000, opts.seed);
  const recPaths = asked.map(recommendationsPath);
  const searchPaths = sample(engine.queries, 4000, opts.seed + 1).map(searchPath);
  opts.log('serving: recall of the recommendations vector search against exact search');
  const recall = await recommendationRecall(engine, opts.quick ? 300 : 1000);
  const recBody = await typicalBody(engine.url, recPaths.slice(0, 41));
  const searchBody = await typicalBody(engine.url, searchPaths.slice(0, 41));
  const bare = await bareServer(recBody);
  const child = tsChild(new URL('./load.ts', import.meta.url));
  try {
    const origins: Record<Target, { origin: string; paths: string[] }> = {
      recommendations: { origin: engine.url, paths: recPaths },
      kept: { origin: engine.url, paths: recPaths },
      search: { origin: engine.url, paths: searchPaths },
      bare: { origin: bare.origin, paths: ['/bare'] },
    };
    const spec = (t: Target, rate: number): LoadSpec => ({
      label: `${t} ${rate > 0 ? `${rate} req/s` : 'max'}`,
      ...origins[t],
      connections: p.connections,
      seconds: p.seconds,
      rate,
      streams: p.streams,
      warmupSeconds: rate > 0 ? 0 : p.warmupSeconds,
      seed: opts.seed,
    });
    // Computed figures rank every request; `kept` turns the kept lists on, with shoppers clicking.
    let seed = opts.seed;
    const run = async (t: Target, rate: number): Promise<ServingRun> => {
      await keepLists(engine, t === 'kept');
      const feed = t === 'kept' ? () => clickFeeder(engine, asked, REQUESTS_PER_CLICK, ++seed) : undefined;
      if (feed !== undefined) {
        // Kept lists start empty (the ranked runs turn them off): measure them as they are in
        // service, after the same load has run a while, not while every list is computed afresh.
        const warm = feed();
        const reply = await request<{ op: string; message?: string }>(child, { op: 'run', spec: { ...spec(t, rate), seconds: KEPT_WARMUP_SECONDS } });
        await warm.stop();
        if (reply.op === 'error') throw new Error(`load ${t} warm-up: ${reply.message ?? ''}`);
      }
      return measured(child, t, spec(t, rate), opts.profileDir, feed);
    };
    const maxThroughput: ServingRun[] = [];
    // The bare route runs first and last, so a change in the machine's load shows as its spread.
    for (const t of ['bare', 'recommendations', 'kept', 'search', 'bare'] as const) {
      opts.log(`serving: ${t} at max throughput (${p.connections} connections, ${p.seconds} s)`);
      maxThroughput.push(await run(t, 0));
    }
    const fixedRate: ServingRun[] = [];
    for (const t of ['recommendations', 'kept', 'search', 'bare'] as const) {
      opts.log(`serving: ${t} at ${p.rate} req/s (${p.seconds} s)`);
      fixedRate.push(await run(t, p.rate));
    }
    await keepLists(engine, true);
    const bareRuns = maxThroughput.filter((r) => r.target === 'bare').map((r) => r.rps);
    const bareRps = bareRuns.reduce((a, b) => a + b, 0) / bareRuns.length;
    const rps = (t: Target): number => maxThroughput.find((r) => r.target === t)?.rps ?? 0;
    return {
      storefront: {
        items: engine.seed.items,
        events: engine.seed.events,
        shoppers: engine.shoppers.length,
        queries: engine.queries.length,
        seedSeconds: round(engine.seed.seconds),
        seedEventsPerSecond: round(engine.seed.eventsPerSecond),
      },
      recall,
      bodyBytes: { recommendations: Buffer.byteLength(recBody), search: Buffer.byteLength(searchBody), bare: Buffer.byteLength(recBody) },
      maxThroughput,
      fixedRate,
      ratioToBare: { recommendations: rps('recommendations') / bareRps, kept: rps('kept') / bareRps, search: rps('search') / bareRps },
      bareSpread: Math.max(...bareRuns) / Math.min(...bareRuns) - 1,
    };
  } finally {
    // The child exits when its channel closes (also if this process dies first).
    if (child.connected) child.disconnect();
    await bare.app.close();
  }
}

export const runServing: Section = async (opts, ctx) => {
  const data = await runServingOn(await ctx.engine(), opts);
  return { figures: figures(data, plan(opts.quick).rate), data };
};
