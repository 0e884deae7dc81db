import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectTrainingData } from '../../src/models/index.ts';
import { trainModel } from '../../src/batch/index.ts';
import { createLogger, silentLogger } from '../../src/core/index.ts';
import type { MeridianEvent } from '../../src/ingest/index.ts';
import { createRuntime, trainOptions, type Runtime } from '../../src/main/index.ts';
import { parseTrainFlags } from '../../src/cli/train.ts';
import { createModelRegistry, type ModelArtifact } from '../../src/registry/index.ts';
import { buildServer } from '../../src/serve/index.ts';
import { embeddedConfig, ingestAll, recommendationsPath, sample, storefront, type KnownShopper, type StorefrontSize } from '../harness/engine.ts';
import { cpuMeter, nowMs, round, type CpuUsage } from '../harness/stats.ts';
import { firstNaming, ok, timeline, windowOf, type Recorded, type Second, type SwapLoadSpec, type Window } from './swap-load.ts';
import { profiled } from '../harness/profile.ts';
import { request, tsChild } from '../harness/threads.ts';
import type { BenchOptions, Figure, Section } from '../harness/types.ts';

/**
 * A model hot swap under load: the engine (embedded defaults, a model registry in a temporary
 * directory, followed every FOLLOW_MS) serves recommendations at a fixed rate while a model
 * trained from the storefront's stored events is published and activated; then a second trained
 * version, then a rollback to the first. Every answer is recorded with the time it arrived and the
 * `model` it names, and the windows are cut by those times: before (from the warm-up's end, or from
 * 2 s after the previous swap), during (activation → first answer naming the new version + 2 s),
 * after. The load runs in a child process (swap-load.ts), as serving's does.
 */
export interface SwapRun {
  label: string;
  from: string;
  to: string;
  /** Seconds since the load started. */
  activatedAt: number;
  /** Writing the version to the registry (before the activation; none for a rollback). */
  publishMs: number | null;
  /** Activation → first answer naming `to`: the swap as a client sees it. */
  durationMs: number | null;
  /** Activation → the engine's version changed (polled every 20 ms). */
  inServiceMs: number;
  /** Load, index rebuild and swap as the engine logs it (from when it saw the activation). */
  engineMs: number | null;
  /** Items in the rebuilt index, over every tenant. */
  indexItems: number;
  /** Items with a learned vector in the version; the rest go through its content map. */
  modelItems: number;
  before: Window;
  during: Window;
  after: Window;
  /** during p99 / before p99. */
  ratio: number;
  /** Answers naming another version than `to` from 2 s after the swap on. */
  staleAfter: number;
}

export interface SwapData {
  storefront: { items: number; events: number; shoppers: number; seedSeconds: number };
  training: { seconds: number; shoppers: number; items: number; options: Record<string, unknown> };
  load: { rate: number; streams: number; seconds: number; answers: number; failed: number; errors: number; timeouts: number; non2xx: number };
  followMs: number;
  swaps: SwapRun[];
  /** 1, 5, 15 min load averages at the section's start, when the load started and when it ended. */
  loadAverage: { start: number[]; loadStart: number[]; loadEnd: number[] };
  /** The bench process (the engine) over the load. */
  serverUsage: CpuUsage;
  /** Each second of the load: answers, 2xx latency and the version most answers named. */
  timeline: Second[];
  /** Seconds since the load started at which the engine's periodic recall sample ended: it stalls requests too. */
  recallSamplesAt: number[];
}

interface Plan {
  size: StorefrontSize;
  rate: number;
  streams: number;
  warmupSeconds: number;
  baselineSeconds: number;
  /** Held after each swap's `during` window: its `after`, and the next swap's `before`. */
  holdSeconds: number;
  epochs: number;
}

const plan = (quick: boolean): Plan =>
  quick
    ? { size: { items: 2_000, users: 2_000, events: 20_000 }, rate: 300, streams: 20, warmupSeconds: 3, baselineSeconds: 8, holdSeconds: 4, epochs: 1 }
    : { size: { items: 20_000, users: 20_000, events: 200_000 }, rate: 300, streams: 20, warmupSeconds: 5, baselineSeconds: 10, holdSeconds: 6, epochs: 2 };

const FOLLOW_MS = 100;
const SETTLE_MS = 2_000;
const SWAP_TIMEOUT_MS = 300_000;

/** Epoch milliseconds, sub-millisecond, comparable between this process and its load child. */
const clock = (): number => performance.timeOrigin + performance.now();
const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---- The engine, the trained versions and the swaps, in the bench process.

interface SwapEngine {
  rt: Runtime;
  url: string;
  shoppers: KnownShopper[];
  storefront: SwapData['storefront'];
  /** The switcher's own timing of each adoption, in order. */
  adopted: { version: string; ms: number }[];
  /** When the engine's periodic HNSW recall sample (an exact scan, once a minute) ended. */
  recallAt: number[];
  close(): Promise<void>;
}

/** Logged-in shoppers of the traffic with their market and locale, in first-seen order. */
function shoppersOf(traffic: readonly MeridianEvent[]): KnownShopper[] {
  const users = new Map<string, KnownShopper>();
  for (const e of traffic) {
    if (e.user_id === undefined || e.market === undefined || e.locale === undefined || users.has(e.user_id)) continue;
    users.set(e.user_id, { user: e.user_id, market: e.market, locale: e.locale });
  }
  return [...users.values()];
}

/** The embedded engine on a registry in `modelDir`, seeded as serving's is (through engine.ingest). */
async function startSwapEngine(p: Plan, seed: number, modelDir: string): Promise<SwapEngine> {
  const adopted: SwapEngine['adopted'] = [];
  // Silent but for the switcher's line that says how long an adoption took inside the engine.
  const logger = createLogger({
    level: 'info',
    write: (line) => {
      if (line.includes('"model in service"')) adopted.push(JSON.parse(line) as { version: string; ms: number });
    },
  });
  const rt = await createRuntime(embeddedConfig({ modelDir }), { logger, followModels: false });
  const app = await buildServer({ engine: rt.engine, registry: rt.registry, instrumentation: rt.instrumentation, logger: silentLogger, auth: { mode: 'off' } });
  const close = async (): Promise<void> => {
    await app.close();
    await rt.close();
  };
  const recallAt: number[] = [];
  rt.instrumentation.on('index.recall', () => void recallAt.push(clock()));
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
    // Offline: the same events every run (nothing here is sent in the traffic's event time).
    const { catalog, traffic } = storefront(seed, p.size);
    const t0 = nowMs();
    const items = await ingestAll(rt, catalog);
    const events = await ingestAll(rt, traffic);
    await rt.eventStore.flush();
    const shoppers = shoppersOf(traffic);
    return {
      rt,
      url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
      shoppers,
      storefront: { items, events, shoppers: shoppers.length, seedSeconds: round((nowMs() - t0) / 1000) },
      adopted,
      recallAt,
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Two versions trained from the stored events with `meridian train`'s options (the second with another seed). */
async function train(rt: Runtime, p: Plan, seed: number): Promise<{ versions: [ModelArtifact, ModelArtifact]; info: SwapData['training'] }> {
  const flags = parseTrainFlags(['--from-store', '--epochs', String(p.epochs), '--finetune', '1', '--encoder', 'fixed', '--no-eval', '--seed', String(seed)]);
  const options = trainOptions(rt.config, flags);
  const t0 = nowMs();
  const data = await collectTrainingData(rt.eventStore.scan());
  const a = await trainModel(data, options);
  const b = await trainModel(data, { ...options, seed: seed + 1 });
  return {
    versions: [a, b],
    info: { seconds: round((nowMs() - t0) / 1000), shoppers: data.sequences.length, items: data.itemIds.length, options: { ...options } },
  };
}

interface Mark {
  label: string;
  from: string;
  to: string;
  publishMs: number | null;
  activatedAt: number;
  inServiceAt: number;
  indexItems: number;
  modelItems: number;
  engineMs: number | null;
}

type Reply = { op: 'started' } | { op: 'result'; rec: Recorded } | { op: 'error'; message: string };

/** One step: publish and activate `artifact`, or roll back; returns once the swap is in service. */
async function swapStep(e: SwapEngine, registry: ReturnType<typeof createModelRegistry>, label: string, artifact: ModelArtifact | undefined, items: Map<string, number>): Promise<Mark> {
  const from = e.rt.models.version();
  let publishMs: number | null = null;
  let to: string;
  if (artifact === undefined) to = await registry.rollback();
  else {
    const t0 = nowMs();
    const manifest = await registry.publish(artifact);
    publishMs = round(nowMs() - t0);
    items.set(manifest.version, manifest.items);
    await registry.activate(manifest.version);
    to = manifest.version;
  }
  const activatedAt = clock();
  while (e.rt.models.version() !== to) {
    if (clock() - activatedAt > SWAP_TIMEOUT_MS) throw new Error(`${label}: ${to} not in service ${SWAP_TIMEOUT_MS / 1000} s after its activation`);
    await delay(20);
  }
  const inServiceAt = clock();
  const indexItems = e.rt.tenants.list().reduce((a, ctx) => a + ctx.vectors.size(), 0);
  const engineMs = e.adopted.findLast((x) => x.version === to)?.ms ?? null;
  return { label, from, to, publishMs, activatedAt, inServiceAt, indexItems, modelItems: items.get(to) ?? 0, engineMs };
}

/** Every distinct path once, a few at a time: the shoppers' first requests and the JIT are behind the baseline. */
async function warm(origin: string, paths: readonly string[]): Promise<void> {
  const todo = [...new Set(paths)];
  const worker = async (): Promise<void> => {
    for (let p = todo.pop(); p !== undefined; p = todo.pop()) {
      const res = await fetch(origin + p);
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`warm-up: GET ${p} answered ${res.status}`);
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
}

async function underLoad(e: SwapEngine, versions: readonly ModelArtifact[], p: Plan, opts: BenchOptions) {
  const registry = createModelRegistry({ dir: e.rt.config.modelDir, logger: silentLogger });
  const items = new Map<string, number>();
  const child = tsChild(new URL('./swap-load.ts', import.meta.url));
  try {
    const paths = sample(e.shoppers, 4000, opts.seed).map(recommendationsPath);
    const spec: SwapLoadSpec = { origin: e.url, paths, rate: p.rate, streams: p.streams, seed: opts.seed, maxSeconds: 3600 };
    await warm(e.url, paths);
    const started = await request<Reply>(child, { op: 'start', spec });
    if (started.op === 'error') throw new Error(`load: ${started.message}`);
    const loadStart = clock();
    const loadAvgStart = loadavg();
    const meter = cpuMeter();
    await delay((p.warmupSeconds + p.baselineSeconds) * 1000);
    const marks: Mark[] = [];
    const steps: [string, ModelArtifact | undefined][] = [['publish', versions[0]], ['second publish', versions[1]], ['rollback', undefined]];
    for (const [label, artifact] of steps) {
      opts.log(`swap: ${label} at ${p.rate} req/s`);
      marks.push(await swapStep(e, registry, label, artifact, items));
      await delay(SETTLE_MS + p.holdSeconds * 1000);
    }
    const reply = await request<Reply>(child, { op: 'stop' });
    const loadEnd = clock();
    if (reply.op !== 'result') throw new Error(`load: ${reply.op === 'error' ? reply.message : 'no result'}`);
    return { rec: reply.rec, marks, loadStart, loadEnd, usage: meter.stop(), loadAvg: { loadStart: loadAvgStart, loadEnd: loadavg() } };
  } finally {
    // The child exits when its channel closes (also if this process dies first).
    if (child.connected) child.disconnect();
  }
}

// ---- The swaps' windows, and the figures.

function swapRuns(rec: Recorded, marks: readonly Mark[], loadStart: number, loadEnd: number, warmupMs: number): SwapRun[] {
  const seen = marks.map((m) => firstNaming(rec, m.to, m.activatedAt));
  const done = marks.map((m, k) => seen[k] ?? m.inServiceAt);
  return marks.map((m, k) => {
    const settled = (done[k] as number) + SETTLE_MS;
    const beforeFrom = k === 0 ? loadStart + warmupMs : (done[k - 1] as number) + SETTLE_MS;
    const afterTo = marks[k + 1]?.activatedAt ?? loadEnd;
    const before = windowOf(rec, loadStart, beforeFrom, m.activatedAt);
    const during = windowOf(rec, loadStart, m.activatedAt, settled);
    const after = windowOf(rec, loadStart, settled, afterTo);
    const first = seen[k];
    return {
      label: m.label,
      from: m.from,
      to: m.to,
      activatedAt: round((m.activatedAt - loadStart) / 1000),
      publishMs: m.publishMs,
      durationMs: first === undefined ? null : round(first - m.activatedAt),
      inServiceMs: round(m.inServiceAt - m.activatedAt),
      engineMs: m.engineMs,
      indexItems: m.indexItems,
      modelItems: m.modelItems,
      before,
      during,
      after,
      ratio: round(during.latencyMs.p99 / before.latencyMs.p99),
      staleAfter: Object.entries(after.models).reduce((a, [v, n]) => a + (v === m.to ? 0 : n), 0),
    };
  });
}

export async function runSwapBench(opts: BenchOptions): Promise<SwapData> {
  const p = plan(opts.quick);
  const start = loadavg();
  const dir = await mkdtemp(join(tmpdir(), 'meridian-bench-swap-'));
  try {
    opts.log(`swap: seeding ${p.size.items} items and ${p.size.events} events through engine.ingest`);
    const e = await startSwapEngine(p, opts.seed, dir);
    let unfollow = (): void => undefined;
    try {
      const { versions, info } = await train(e.rt, p, opts.seed);
      opts.log(`swap: two versions trained in ${info.seconds} s (${info.shoppers} shoppers, ${info.items} items)`);
      unfollow = e.rt.models.follow({ intervalMs: FOLLOW_MS });
      const run = await profiled(opts.profileDir, 'swap', () => underLoad(e, versions, p, opts));
      const { rec } = run;
      const swaps = swapRuns(rec, run.marks, run.loadStart, run.loadEnd, p.warmupSeconds * 1000);
      const non2xx = rec.status.filter((s) => !ok(s)).length;
      return {
        storefront: e.storefront,
        training: info,
        load: {
          rate: p.rate,
          streams: p.streams,
          seconds: round((run.loadEnd - run.loadStart) / 1000),
          answers: rec.t.length,
          // Ours by arrival time, or autocannon's own count if it saw more.
          failed: Math.max(non2xx + rec.errorAt.length, rec.totals.non2xx + rec.totals.errors),
          errors: rec.totals.errors,
          timeouts: rec.totals.timeouts,
          non2xx: rec.totals.non2xx,
        },
        followMs: FOLLOW_MS,
        swaps,
        loadAverage: { start: start.map(round), loadStart: run.loadAvg.loadStart.map(round), loadEnd: run.loadAvg.loadEnd.map(round) },
        serverUsage: run.usage,
        timeline: timeline(rec, run.loadStart, run.loadEnd),
        recallSamplesAt: e.recallAt.filter((t) => t >= run.loadStart && t <= run.loadEnd).map((t) => round((t - run.loadStart) / 1000)),
      };
    } finally {
      unfollow();
      await e.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const seconds = (ms: number | null): number | null => (ms === null ? null : round(ms / 1000));

function figures(d: SwapData): Figure[] {
  const s = d.swaps[0];
  if (s === undefined) throw new Error('swap: no swap was measured');
  const back = d.swaps.find((x) => x.label === 'rollback');
  const la = (xs: number[]): string => xs.map((x) => x.toFixed(2)).join(' / ');
  const wait = d.serverUsage.mainThreadWaitShare;
  const machine = `load average ${la(d.loadAverage.loadStart)} when the load started, ${la(d.loadAverage.loadEnd)} at its end (1 / 5 / 15 min)` +
    (wait === null ? '' : `; the engine's thread waited for a core ${Math.round(wait * 100)}% of the time it was runnable`) +
    (d.recallSamplesAt.length === 0 ? '; no recall sample of the engine during the load' : `; the engine's recall sample ended at ${d.recallSamplesAt.join(', ')} s`) +
    ` (before: ${s.before.from}–${s.before.to} s, during: ${s.during.from}–${s.during.to} s of the load)`;
  const at = `at ${d.load.rate} req/s`;
  const out: Figure[] = [
    { key: 'swap.before.p50', label: `recommendations p50 ${at}, before the swap`, value: s.before.latencyMs.p50, unit: 'ms', note: `${s.before.answers} answers over ${round(s.before.to - s.before.from)} s on ${s.from}` },
    { key: 'swap.before.p99', label: `recommendations p99 ${at}, before the swap`, value: s.before.latencyMs.p99, unit: 'ms' },
    {
      key: 'swap.during.p99',
      label: `recommendations p99 ${at}, activation → swap + 2 s`,
      value: s.during.latencyMs.p99,
      unit: 'ms',
      note: `${s.during.answers} answers over ${round(s.during.to - s.during.from)} s, achieved ${s.during.rps} req/s (each stream waits for its answer: a stall also sends fewer requests); max ${s.during.latencyMs.max} ms; after: p50 ${s.after.latencyMs.p50} ms, p99 ${s.after.latencyMs.p99} ms`,
    },
    { key: 'swap.ratio', label: 'swap p99 / p99 before', value: s.ratio, unit: '', target: { op: '<=', value: 2 }, note: machine },
    {
      key: 'swap.failed',
      label: 'failed requests over the swaps (non-2xx, errors, timeouts)',
      value: d.load.failed,
      unit: '',
      target: { op: '<=', value: 0 },
      note: `${d.load.answers} answers over ${d.load.seconds} s, ${d.swaps.length} swaps (${d.swaps.map((x) => x.label).join(', ')}); ` +
        `${d.swaps.reduce((a, x) => a + x.staleAfter, 0)} answers named an older version from 2 s after a swap on`,
    },
    {
      key: 'swap.duration',
      label: 'swap time (activation → new version in answers)',
      value: seconds(s.durationMs),
      unit: 's',
      note: `the engine's own timing (load, rebuild, swap) ${seconds(s.engineMs) ?? 'n/a'} s; registry followed every ${d.followMs} ms; publish ${s.publishMs ?? 'n/a'} ms`,
    },
    {
      key: 'swap.index_items',
      label: 'vector index rebuilt at the swap',
      value: s.indexItems,
      unit: 'items',
      note: `${s.modelItems} with learned vectors, the rest through the content map; trained in ${d.training.seconds} s (two versions, ${String(d.training.options.epochs)} epoch(s) + 1 fine-tune, fixed encoder)`,
    },
  ];
  if (back !== undefined) {
    out.push(
      {
        key: 'swap.rollback.ratio',
        label: 'rollback p99 / p99 before',
        value: back.ratio,
        unit: '',
        note: `second version → first: p99 ${back.before.latencyMs.p99} → ${back.during.latencyMs.p99} ms, ${back.before.failed + back.during.failed + back.after.failed} failed`,
      },
      { key: 'swap.rollback.duration', label: 'rollback time (rollback → previous version in answers)', value: seconds(back.durationMs), unit: 's', note: `the engine's own timing ${seconds(back.engineMs) ?? 'n/a'} s` },
    );
  }
  return out;
}

export const runSwap: Section = async (opts) => {
  const data = await runSwapBench(opts);
  return { figures: figures(data), data };
};
