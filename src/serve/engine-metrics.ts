import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Instrumentation } from '../core/index.ts';

/**
 * Metrics of the engine's state (read at scrape time from the composition root's objects), of the
 * model in service and of training runs, and the accepted → visible latency. Part of `createMetrics`;
 * split out so each file stays small.
 */

/** The model in service as the composition root knows it. */
export interface ModelInService {
  version: string;
  /** When the model was trained or published (ms since epoch); absent when unknown. */
  createdAt?: number;
}

/** Values read at every scrape. Each is optional: a metric without a source has no series. */
export interface GaugeSources {
  /** Items in the vector and the lexical index, over every tenant. */
  indexSize?: () => { vector: number; lexical: number };
  /** The model in service: `meridian_model_info` and `meridian_model_age_seconds`. */
  model?: () => ModelInService | undefined;
  /** The tenants' sequence models: events waiting for their threads, and how many can rank or not. */
  sequence?: () => { backlog: number; healthy: number; failed: number };
  /** Wall clock (ms) for the model age. */
  now?: () => number;
}

const TOKEN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
const token = (v: string): string => (TOKEN.test(v) ? v : 'other');
/** Offline metric names are written by the trainer, but a registry file could hold anything. */
const MAX_OFFLINE_METRICS = 32;

const VISIBLE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const TRAINING_BUCKETS = [1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14_400, 28_800];

/** The model_info collector: one series, the version the source names (none when it names none). */
export function modelInfoCollector(model: () => ModelInService | undefined): (this: Gauge<'version'>) => void {
  return function collect(this: Gauge<'version'>) {
    this.reset();
    const m = model();
    if (m !== undefined) this.set({ version: token(m.version) }, 1);
  };
}

export interface EngineMetricsOptions {
  registers: Registry[];
  prefix: string;
  instrumentation: Instrumentation;
  gauges: GaugeSources;
}

type MetricsPart = Omit<EngineMetricsOptions, 'gauges'>;

/** The engine's state, read at every scrape: index sizes, the sequence models, the model's age. */
function registerStateGauges({ registers, prefix }: MetricsPart, { indexSize, model, sequence, now = Date.now }: GaugeSources): void {
  new Gauge({
    name: `${prefix}index_items`,
    help: 'Items in the index, over every tenant (vector: distinct items with a vector; lexical: documents)',
    labelNames: ['kind'],
    registers,
    collect() {
      if (indexSize === undefined) return;
      const s = indexSize();
      this.set({ kind: 'vector' }, s.vector);
      this.set({ kind: 'lexical' }, s.lexical);
    },
  });
  new Gauge({
    name: `${prefix}sequence_backlog_events`,
    help: 'Events sent to the sequence models\' threads and not applied there yet, over every tenant',
    registers,
    collect() {
      if (sequence !== undefined) this.set(sequence().backlog);
    },
  });
  new Gauge({
    name: `${prefix}sequence_models`,
    help: 'Tenants\' sequence models by state (failed: its thread died; recommendations answer 503 until a restart)',
    labelNames: ['state'],
    registers,
    collect() {
      if (sequence === undefined) return;
      const s = sequence();
      this.set({ state: 'healthy' }, s.healthy);
      this.set({ state: 'failed' }, s.failed);
    },
  });
  new Gauge({
    name: `${prefix}model_age_seconds`,
    help: 'Time since the model in service was trained or published',
    labelNames: ['version'],
    registers,
    collect() {
      this.reset();
      const m = model?.();
      if (m?.createdAt === undefined || !Number.isFinite(m.createdAt)) return;
      this.set({ version: token(m.version) }, Math.max(0, (now() - m.createdAt) / 1000));
    },
  });
}

/** The sampled recall of the vector index and the accepted → visible latency. */
function registerIndexAndFreshness({ registers, prefix, instrumentation }: MetricsPart): (() => void)[] {
  const recall = new Gauge({
    name: `${prefix}index_recall_ratio`,
    help: 'Sampled recall@k of the vector index against exact search (share of the exact top k returned)',
    labelNames: ['k'],
    registers,
  });
  const visible = new Histogram({
    name: `${prefix}event_visible_seconds`,
    help: 'Event accepted by the bus to applied and visible to reads (wall clock)',
    buckets: VISIBLE_BUCKETS,
    registers,
  });
  return [
    instrumentation.on('online.visible', (p) => visible.observe(p.ms > 0 && Number.isFinite(p.ms) ? p.ms / 1000 : 0)),
    instrumentation.on('index.recall', (p) => {
      if (Number.isInteger(p.k) && p.k > 0 && p.k <= 1000 && p.recall >= 0 && p.recall <= 1) recall.set({ k: String(p.k) }, p.recall);
    }),
  ];
}

/** Training runs by outcome and duration, and the offline metrics of the model in service. */
function registerTrainingMetrics({ registers, prefix, instrumentation }: MetricsPart): (() => void)[] {
  const runs = new Counter({ name: `${prefix}training_runs_total`, help: 'Training runs by outcome', labelNames: ['status'], registers });
  // Both outcomes exist from the start, so a failure rate is 0 rather than absent.
  runs.inc({ status: 'succeeded' }, 0);
  runs.inc({ status: 'failed' }, 0);
  const trainingDuration = new Histogram({
    name: `${prefix}training_duration_seconds`,
    help: 'Duration of training runs (pretrain, fine-tune, evaluate)',
    buckets: TRAINING_BUCKETS,
    registers,
  });
  const offline = new Gauge({
    name: `${prefix}model_offline_metric`,
    help: 'Offline evaluation metrics of the model in service (e.g. hr_at_10, ndcg_at_10)',
    labelNames: ['metric'],
    registers,
  });
  return [
    instrumentation.on('training.finished', (p) => {
      const status = p.status === 'succeeded' ? 'succeeded' : 'failed';
      runs.inc({ status });
      trainingDuration.observe(p.ms > 0 && Number.isFinite(p.ms) ? p.ms / 1000 : 0);
    }),
    instrumentation.on('model.evaluated', (p) => {
      // The metrics of one model at a time: the previous model's go away.
      offline.reset();
      const entries = Object.entries(p.metrics).slice(0, MAX_OFFLINE_METRICS);
      for (const [name, value] of entries) if (Number.isFinite(value)) offline.set({ metric: token(name) }, value);
    }),
  ];
}

/** Kept-list lookups by whether a kept list was served. */
function registerListCacheMetrics({ registers, prefix, instrumentation }: MetricsPart): () => void {
  const listLookups = new Counter({
    name: `${prefix}list_cache_lookups_total`,
    help: 'List requests (recommendations, similar, bought together, trending) by whether a kept list was served',
    labelNames: ['result'],
    registers,
  });
  // Bound once: the lookup is on every list request.
  const listHit = listLookups.labels('hit');
  const listMiss = listLookups.labels('miss');
  listHit.inc(0);
  listMiss.inc(0);
  return instrumentation.on('lists.cache', (p) => (p.hit ? listHit : listMiss).inc());
}

/** Registers the metrics (in this order, which is the order of the exposition); returns the instrumentation unsubscribers. */
export function registerEngineMetrics({ gauges, ...part }: EngineMetricsOptions): (() => void)[] {
  registerStateGauges(part, gauges);
  const fresh = registerIndexAndFreshness(part);
  const training = registerTrainingMetrics(part);
  const lists = registerListCacheMetrics(part);
  return [lists, ...fresh, ...training];
}
