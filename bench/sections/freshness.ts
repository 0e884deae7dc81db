import type { Registry } from 'prom-client';
import { createRng } from '../../src/core/index.ts';
import { recommendationsPath, type BenchEngine, type KnownShopper } from '../harness/engine.ts';
import { profiled } from '../harness/profile.ts';
import { percentiles, rounded, nowMs, Samples, type Percentiles } from '../harness/stats.ts';
import type { BenchOptions, Figure, Section } from '../harness/types.ts';

/**
 * Freshness: a shopper clicks the top recommendation (POST /v1/events), and the storefront asks
 * for their recommendations again until the list changed. On the embedded bus the click is applied
 * before the POST answers, so this is "accepted → visible" end to end over HTTP. Beside it, event
 * time → applied as the engine's own freshness metric records it.
 */
export interface FreshnessData {
  trials: number;
  /** Trials whose list had not changed within the time limit. */
  unchanged: number;
  /** POST sent → a GET that shows a changed list. */
  acceptToVisibleMs: Percentiles;
  postMs: Percentiles;
  /** GETs needed after the POST (1 when the click is visible at once). */
  pollsMax: number;
  /** From the online updater's instrumentation event, which feeds the metric: exact values. */
  eventToAppliedMs: Percentiles;
  /** The same from meridian_event_freshness_seconds, interpolated in its buckets as Prometheus would. */
  metric: { p50Ms: number; p99Ms: number; count: number };
}

const VISIBLE_TIMEOUT_MS = 2000;

interface Bucket {
  le: number;
  count: number;
}

async function freshnessBuckets(registry: Registry): Promise<Bucket[]> {
  const metric = registry.getSingleMetric('meridian_event_freshness_seconds');
  if (metric === undefined) throw new Error('freshness: meridian_event_freshness_seconds is not registered');
  const { values } = await metric.get();
  return values
    .filter((v) => v.labels.le !== undefined) // the buckets; _sum and _count have no le
    .map((v) => ({ le: v.labels.le === '+Inf' ? Infinity : Number(v.labels.le), count: v.value }));
}

/** histogram_quantile over the difference of two snapshots of cumulative buckets, in ms. */
export function bucketQuantile(before: readonly Bucket[], after: readonly Bucket[], q: number): { ms: number; count: number } {
  const delta = after.map((b, i) => ({ le: b.le, count: b.count - (before[i]?.count ?? 0) }));
  const total = delta[delta.length - 1]?.count ?? 0;
  if (total === 0) return { ms: NaN, count: 0 };
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of delta) {
    if (b.count >= rank) {
      if (b.le === Infinity) return { ms: prevLe * 1000, count: total };
      const within = b.count - prevCount;
      const frac = within === 0 ? 0 : (rank - prevCount) / within;
      return { ms: (prevLe + (b.le - prevLe) * frac) * 1000, count: total };
    }
    prevLe = b.le;
    prevCount = b.count;
  }
  return { ms: NaN, count: total };
}

async function topIds(url: string): Promise<string[]> {
  const res = await fetch(url);
  const body = (await res.json()) as { items?: { id: string }[] };
  if (res.status !== 200 || body.items === undefined) throw new Error(`GET ${url} answered ${res.status}`);
  return body.items.map((i) => i.id);
}

interface Trial {
  /** POST sent → a GET showing a changed list; undefined when it had not changed in time. */
  visibleMs: number | undefined;
  postMs: number;
  polls: number;
}

/** One click on the shopper's top recommendation, then GETs until the list changed. */
async function trial(engine: BenchEngine, s: KnownShopper, id: string): Promise<Trial | undefined> {
  const url = engine.url + recommendationsPath(s);
  const was = await topIds(url);
  if (was[0] === undefined) return undefined;
  const click = { id, type: 'click', market: s.market, locale: s.locale, user_id: s.user, item_id: was[0], ts: Date.now() };
  const t0 = nowMs();
  const res = await fetch(`${engine.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([click]) });
  const ack = (await res.json()) as { accepted?: number };
  const postMs = nowMs() - t0;
  if (res.status !== 200 || ack.accepted !== 1) throw new Error(`freshness: POST /v1/events answered ${res.status} ${JSON.stringify(ack)}`);
  for (let polls = 1; ; polls++) {
    const now = await topIds(url);
    if (now.join() !== was.join()) return { visibleMs: nowMs() - t0, postMs, polls };
    if (nowMs() - t0 > VISIBLE_TIMEOUT_MS) return { visibleMs: undefined, postMs, polls };
  }
}

async function runFreshnessOn(engine: BenchEngine, opts: BenchOptions): Promise<FreshnessData> {
  const trials = opts.quick ? 60 : 300;
  const rng = createRng(opts.seed ^ 0xf7e5);
  const visible = new Samples();
  const post = new Samples();
  const applied = new Samples();
  let unchanged = 0;
  let pollsMax = 0;
  const before = await freshnessBuckets(engine.rt.registry);
  const off = engine.rt.instrumentation.on('online.applied', (p) => {
    if (!p.duplicate) applied.push(p.freshnessMs);
  });
  const all = async (): Promise<void> => {
    for (let i = 0; i < trials; i++) {
      const s = engine.shoppers[rng.int(engine.shoppers.length)];
      if (s === undefined) throw new Error('freshness: the storefront has no shoppers');
      const t = await trial(engine, s, `bench-fresh-${opts.seed}-${i}`);
      if (t === undefined) continue;
      post.push(t.postMs);
      if (t.visibleMs === undefined) unchanged++;
      else visible.push(t.visibleMs);
      pollsMax = Math.max(pollsMax, t.polls);
    }
  };
  try {
    await profiled(opts.profileDir, 'freshness', all);
  } finally {
    off();
  }
  const after = await freshnessBuckets(engine.rt.registry);
  const p50 = bucketQuantile(before, after, 0.5);
  const p99 = bucketQuantile(before, after, 0.99);
  return {
    trials,
    unchanged,
    acceptToVisibleMs: rounded(percentiles(visible.values())),
    postMs: rounded(percentiles(post.values())),
    pollsMax,
    eventToAppliedMs: rounded(percentiles(applied.values())),
    metric: { p50Ms: p50.ms, p99Ms: p99.ms, count: p50.count },
  };
}

function figures(d: FreshnessData): Figure[] {
  return [
    { key: 'freshness.visible.p50', label: 'freshness p50 (click accepted → recommendations changed)', value: d.acceptToVisibleMs.p50, unit: 'ms' },
    {
      key: 'freshness.visible.p99',
      label: 'freshness p99 (click accepted → recommendations changed)',
      value: d.acceptToVisibleMs.p99,
      unit: 'ms',
      target: { op: '<=', value: 50 },
      note: `${d.trials} trials, ${d.unchanged} unchanged after ${VISIBLE_TIMEOUT_MS} ms, at most ${d.pollsMax} GET(s) after the POST`,
    },
    { key: 'freshness.applied.p50', label: 'freshness p50 (event time → applied)', value: d.eventToAppliedMs.p50, unit: 'ms' },
    {
      key: 'freshness.applied.p99',
      label: 'freshness p99 (event time → applied)',
      value: d.eventToAppliedMs.p99,
      unit: 'ms',
      note: `metric meridian_event_freshness_seconds over the trials: p50 ${d.metric.p50Ms.toFixed(2)} ms, p99 ${d.metric.p99Ms.toFixed(2)} ms (bucket-interpolated)`,
    },
  ];
}

export const runFreshness: Section = async (opts, ctx) => {
  const data = await runFreshnessOn(await ctx.engine(), opts);
  return { figures: figures(data), data };
};
