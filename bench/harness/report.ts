import type { EncoderCost, EncoderData } from '../sections/encoder.ts';
import type { IndexCaseResult } from '../sections/vector-index.ts';
import type { ServingData, ServingRun } from '../sections/serving.ts';
import { pass, type BenchResults, type Figure, type SectionResult } from './types.ts';

const OP = { '<=': '≤', '>=': '≥' } as const;

function fmt(v: number | null, unit: string): string {
  if (v === null || !Number.isFinite(v)) return 'n/a';
  const n = Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en-US') : String(v);
  return unit === '' ? n : `${n} ${unit}`;
}

const verdict = (f: Figure): string => {
  const p = pass(f);
  return p === undefined ? '' : p ? 'PASS' : '**MISS**';
};

const cell = (s: string | undefined): string => (s ?? '').replace(/\|/g, '\\|');

function figureTable(results: readonly SectionResult[]): string[] {
  const lines = ['| figure | value | target | result | notes |', '|---|---:|---|---|---|'];
  for (const r of results) {
    if (r.error !== undefined) lines.push(`| ${r.name} | failed | | **MISS** | ${cell(r.error.split('\n')[0])} |`);
    for (const f of r.figures) {
      const target = f.target === undefined ? '' : `${OP[f.target.op]} ${fmt(f.target.value, f.unit)}`;
      lines.push(`| ${cell(f.label)} | ${fmt(f.value, f.unit)} | ${target} | ${verdict(f)} | ${cell(f.note)} |`);
    }
  }
  return lines;
}

function servingTable(d: ServingData): string[] {
  const row = (r: ServingRun, mode: string): string =>
    `| ${r.target} | ${mode} | ${Math.round(r.rps)} | ${r.latencyMs.p50} | ${r.latencyMs.p90} | ${r.latencyMs.p99} | ${r.latencyMs.max} | ` +
    `${r.non2xx + r.errors + r.timeouts} | ${r.serverCpuMicrosPerRequest} | ${r.serverLoopUtilization} | ` +
    `${r.serverWaitShare === null ? 'n/a' : `${Math.round(r.serverWaitShare * 100)}%`} |`;
  return [
    `Storefront: ${d.storefront.items} items, ${d.storefront.events} events (seeded through the API's ingest path in ${d.storefront.seedSeconds} s, ` +
      `${d.storefront.seedEventsPerSecond} events/s), ${d.storefront.shoppers} known shoppers, ${d.storefront.queries} recorded searches. ` +
      `Bodies: recommendations ${d.bodyBytes.recommendations} B, search ${d.bodyBytes.search} B, bare ${d.bodyBytes.bare} B.`,
    '',
    '| target | load | req/s | p50 ms | p90 ms | p99 ms | max ms | errors | server CPU µs/req | server loop busy | server waited for a core |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...d.maxThroughput.map((r) => row(r, `max, ${r.connections} conn`)),
    ...d.fixedRate.map((r) => row(r, `${r.rate} req/s`)),
  ];
}

function indexTable(cases: readonly IndexCaseResult[]): string[] {
  return [
    '| set | items | shards | recall@10 | worst query | p50 ms | p99 ms | exact p50 ms | build s (wall) | inserts/s/thread | M / efC / ef |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...cases.map(
      (c) =>
        `| ${c.kind} | ${c.items} | ${c.shards} | ${c.recallAt10.toFixed(4)} | ${c.recallMin} | ${(c.latencyMicros.p50 / 1000).toFixed(3)} | ` +
        `${(c.latencyMicros.p99 / 1000).toFixed(3)} | ${(c.exactMicros.p50 / 1000).toFixed(2)} | ${c.build.wallSeconds} | ${c.build.insertsPerSecondPerThread} | ` +
        `${c.M} / ${c.efConstruction} / ${c.efSearch} |`,
    ),
  ];
}

function encoderTable(d: EncoderData): string[] {
  const row = (c: EncoderCost): string =>
    `| ${c.label} | ${c.dim} | ${c.stepMicros.p50} | ${c.stepCpuMicros} | ${c.queryMicros.p50} | ` +
    `${c.state.logical} | ${c.state.memoryStore ?? 'n/a'} | ${c.state.redis} | ${c.state.snapshot} |`;
  const q = d.trained.quality;
  return [
    '| encoder | dim | step µs (median) | step CPU µs | query µs (median) | state B | memory store B | Redis B | snapshot B |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...[...d.costs, ...d.sweep].map(row),
    '',
    q === undefined
      ? `Trained model: ${d.trained.note}`
      : `Trained model ${d.trained.version ?? ''} (${d.trained.note}; ${d.trained.trainSeconds ?? '?'} s): hold-out over ${q.cases} shoppers, ` +
        `NDCG@10 ${q.model.ndcg10.toFixed(4)} / HR@10 ${q.model.hr10.toFixed(4)}; the same encoder over the built-in content vectors ` +
        `${q.builtIn.ndcg10.toFixed(4)} / ${q.builtIn.hr10.toFixed(4)}; popularity ${q.popularity.ndcg10.toFixed(4)} / ${q.popularity.hr10.toFixed(4)}.`,
  ];
}

const METHOD = [
  '## How it was measured',
  '',
  '- **Serving**: the engine (embedded bus, memory feature and event stores, demo off) listens on loopback in the bench process; ' +
    'autocannon runs in a child process. Max throughput: 32 connections after a warm-up. Fixed rate: autocannon `overallRate` split over ' +
    '20 single-connection streams started 50 ms apart (its limiter sends each connection\'s quota for the second back to back, so one ' +
    'instance would send each second in one burst). Latencies are recorded from every 2xx response in float ms. The bare route is a ' +
    'separate Fastify instance in the same process returning a real recommendations body (precomputed); it runs first and last, and the ratio uses their mean. ' +
    'Recommendations run twice: ranked per request (the engine\'s kept lists off) and with the kept lists on (the default) while the bench ' +
    'posts one click per four list requests, by a random one of the shoppers asked, through the engine\'s ingest (a click makes that ' +
    'shopper\'s kept lists stale at once), each after 5 s of the same load unmeasured (the lists start empty); the notes give the share served from kept lists.',
  '- **Freshness**: POST a click on the shopper\'s top recommendation, then GET their recommendations until the list differs; ' +
    'client and server share the bench process. Event time → applied comes from the online updater\'s instrumentation event, which feeds `meridian_event_freshness_seconds`.',
  '- **Updater**: `createOnlineUpdater` on the memory feature store and memory event store, encoders and index settings of the default config, batches of 500.',
  '- **Encoder**: the online user encoder alone: `step` replays a simulated day of shopper events (the state, item vector, type and ' +
    'time since the shopper\'s previous event the online updater passes), timed in blocks of 1,024 steps; `query` once per shopper. ' +
    'State per shopper: the Float32Array plus the last event time; measured growth of the memory feature store with the vector held; ' +
    'the Redis user hash fields `v` and `ts`; the snapshot line\'s base64 vector. The trained row is a model trained on the same storefront, ' +
    'published to a temporary registry and loaded back as serving loads it; its quality is its hold-out on that storefront.',
  '- **Sequence**: the online sequence model alone: µs CPU per observed event (with and without the 50-item segment cap), µs per scored ' +
    'request for logged-in shoppers, bytes per shopper and per item, at demo and beauty scale.',
  '- **Replay**: `replay()` of a simulated NDJSON log (plain, gzip) into a fresh embedded engine, plus one into the chDB event store.',
  '- **Pipeline**: a backlog in a Kafka topic applied by `meridian worker` (runWorker) to Redis; needs the local Kafka and Redis ' +
    '(scripts/services), otherwise reported as not measured.',
  '- **Index**: the engine\'s `createHnswVectorIndex` (hnswlib) against `createExactVectorIndex` on 64-d unit vectors; large sets are ' +
    'sharded over worker threads (one graph per thread, queries search every shard and merge). Query latency is the sum over shards ' +
    '(one thread searching all of them), measured one shard at a time.',
  '- Speed on a shared machine moves with what else runs: compare ratios and CPU per request rather than absolute numbers, and read the ' +
    'load average and how long the bench waited for a core (Linux schedstat of its main thread, per section below).',
  '- `--profile` takes a V8 CPU profile of each measured phase (`profiles/*.cpuprofile` for Chrome DevTools, `*.txt` summaries by area, ' +
    'file and function; `node --import tsx bench/harness/profile.ts FILE` summarizes one). On a busy machine the profiler samples wall time ' +
    'while the thread is runnable, so time spent descheduled shows up where the thread was (often `writev`).',
];

function sectionLine(r: SectionResult): string {
  const u = r.usage;
  if (u === undefined) return `- ${r.name}: ${r.seconds.toFixed(0)} s`;
  // Where the work is in worker threads the main thread mostly sleeps, and its wait says little.
  const busy = u.mainThreadCpuSeconds !== null && u.mainThreadCpuSeconds > 0.1 * u.wallSeconds;
  const wait =
    u.mainThreadWaitShare === null || !busy ? '' : `; the main thread waited for a core ${Math.round(u.mainThreadWaitShare * 100)}% of the time it was runnable`;
  return `- ${r.name}: ${r.seconds.toFixed(0)} s wall, ${u.processCpuSeconds.toFixed(0)} s CPU (all threads of the bench process)${wait}`;
}

/** The summary: machine, every figure with its target and verdict, then the details of each section. */
export function renderSummary(b: BenchResults, plotHref: string): string {
  const m = b.machine;
  const lines = [
    `# Meridian benchmarks${b.quick ? ' (quick run: smaller sizes, not for comparison)' : ''}${b.profiled ? ' (profiled: timings include the profiler)' : ''}`,
    '',
    `Run ${b.startedAt} → ${b.finishedAt}, sections: ${b.sections.join(', ')}, seed ${b.seed}, commit ${m.commit}.`,
    '',
    `Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.platform}, Node ${m.node}. ` +
      `Load average at start ${m.loadAtStart.map((x) => x.toFixed(2)).join(' / ')} (1 / 5 / 15 min), at end ${m.loadAtEnd.map((x) => x.toFixed(2)).join(' / ')}.`,
    '',
    ...figureTable(b.results),
    '',
    `![throughput and latency](${plotHref})`,
    '',
  ];
  const serving = b.results.find((r) => r.name === 'serving' && r.error === undefined);
  if (serving !== undefined) lines.push('## Serving', '', ...servingTable(serving.data as ServingData), '');
  const index = b.results.find((r) => r.name === 'index' && r.error === undefined);
  if (index !== undefined) lines.push('## Index', '', ...indexTable((index.data as { cases: IndexCaseResult[] }).cases), '');
  const encoder = b.results.find((r) => r.name === 'encoder' && r.error === undefined);
  if (encoder !== undefined) lines.push('## Online user encoder', '', ...encoderTable(encoder.data as EncoderData), '');
  const failed = b.results.filter((r) => r.error !== undefined);
  if (failed.length > 0) lines.push('## Failures', '', ...failed.map((r) => `- ${r.name}: \`${(r.error ?? '').split('\n')[0]}\``), '');
  lines.push('## Sections', '', ...b.results.map(sectionLine), '', ...METHOD, '');
  return lines.join('\n');
}

export { renderPlot } from './plot.ts';
