import { Counter, Gauge, Histogram, collectDefaultMetrics, type Registry } from 'prom-client';
import type { Instrumentation } from '../core/index.ts';
import { EVENT_TYPES, type RejectReason } from '../ingest/index.ts';
import { modelInfoCollector, registerEngineMetrics, type GaugeSources } from './engine-metrics.ts';

/**
 * Prometheus metrics of one process, registered in an injected registry (never the global one).
 * Components emit instrumentation events; this module is the only subscriber that turns them into
 * metrics. Every label value is checked against a bounded set so a bad client cannot create series.
 */
export interface HttpObservation {
  /** The route pattern (`/v1/items/:id/similar`), never the raw URL. */
  route: string;
  method: string;
  statusCode: number;
  seconds: number;
}

export interface Metrics {
  observeHttp(o: HttpObservation): void;
  /** Unsubscribes from the instrumentation (the registry keeps the metrics). */
  close(): void;
}

export interface MetricsOptions {
  registry: Registry;
  instrumentation: Instrumentation;
  prefix?: string;
  /** Process metrics (CPU, memory, event loop, GC) from prom-client. */
  defaultMetrics?: boolean;
  /**
   * Engine state read at every scrape (index size, the model in service). With `model`, the
   * model_info gauge follows it instead of `model.activated` events.
   */
  gauges?: GaugeSources;
}

const REJECT_REASONS: Record<RejectReason, true> = {
  not_an_object: true,
  unknown_type: true,
  invalid_field: true,
  missing_shopper: true,
  unparseable: true,
};
/** Dead letters also carry reasons of their own (an event no handler call could apply). */
const DEAD_LETTER_REASONS = new Set<string>([...Object.keys(REJECT_REASONS), 'apply_failed']);
const KNOWN_TYPES = new Set<string>(EVENT_TYPES);
const SOURCES = new Set(['http', 'kafka', 'replay', 'file', 'clickhouse', 'simulate', 'bus', 'worker']);
const SERVICES = new Set(['redis', 'clickhouse', 'chdb', 'kafka', 'registry', 'bus', 'eventstore', 'featurestore']);
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const INDEX_KINDS = new Set(['vector', 'lexical']);
/** Operation names and model versions are written by the code, but are still checked for shape. */
const TOKEN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;

const HTTP_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const APPLY_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];
const FRESHNESS_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const FLUSH_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const oneOf = (set: ReadonlySet<string>, v: string, fallback = 'other'): string => (set.has(v) ? v : fallback);
const eventType = (t: string): string => (KNOWN_TYPES.has(t) ? t : 'unknown');
const reason = (r: string): string => (r in REJECT_REASONS ? r : 'other');
const token = (v: string): string => (TOKEN.test(v) ? v : 'other');
/** Kafka topic names are configured, not client input; a partition number is bounded by the topic. */
const TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;
const partitionLabel = (p: number): string => (Number.isInteger(p) && p >= 0 && p < 10_000 ? String(p) : 'other');
const seconds = (ms: number): number => (ms > 0 && Number.isFinite(ms) ? ms / 1000 : 0);

/**
 * The HTTP observer over metrics that `createMetrics` already registered in `registry`, or
 * undefined when there are none. Lets the app share metrics created by the composition root.
 */
export function httpObserverOf(registry: Registry, prefix = 'meridian_'): ((o: HttpObservation) => void) | undefined {
  const duration = registry.getSingleMetric(`${prefix}http_request_duration_seconds`);
  const total = registry.getSingleMetric(`${prefix}http_requests_total`);
  if (!(duration instanceof Histogram) || !(total instanceof Counter)) return undefined;
  return httpObserver(duration as Histogram<HttpLabel>, total as Counter<HttpLabel>);
}

type HttpLabel = 'route' | 'method' | 'status_code';

function httpObserver(duration: Histogram<HttpLabel>, total: Counter<HttpLabel>): (o: HttpObservation) => void {
  return ({ route, method, statusCode, seconds: s }) => {
    const labels = { route, method: oneOf(METHODS, method), status_code: String(statusCode) };
    duration.observe(labels, s);
    total.inc(labels);
  };
}

/** What every group of metrics registers in and subscribes to. */
interface MetricsPart {
  registers: Registry[];
  prefix: string;
  instrumentation: Instrumentation;
}

const counterIn = <L extends string>({ registers, prefix }: MetricsPart, name: string, help: string, labelNames: readonly L[] = []) =>
  new Counter<L>({ name: prefix + name, help, labelNames, registers });
const histogramIn = <L extends string>({ registers, prefix }: MetricsPart, name: string, help: string, buckets: number[], labelNames: readonly L[] = []) =>
  new Histogram<L>({ name: prefix + name, help, labelNames, buckets, registers });

/** Events accepted, rejected, applied online (duration and freshness) and dead-lettered. */
function registerEventMetrics(part: MetricsPart): (() => void)[] {
  const { instrumentation } = part;
  const accepted = counterIn(part, 'events_accepted_total', 'Events that passed validation', ['type', 'source']);
  const rejected = counterIn(part, 'events_rejected_total', 'Events rejected at ingest', ['reason', 'type', 'source']);
  const applyDuration = histogramIn(part, 'event_apply_duration_seconds', 'Time to apply one event online', APPLY_BUCKETS);
  const freshness = histogramIn(part, 'event_freshness_seconds', 'Event time to applied', FRESHNESS_BUCKETS);
  const applied = counterIn(part, 'events_applied_total', 'Events applied by the online updater', ['type']);
  const duplicates = counterIn(part, 'events_duplicate_total', 'Events skipped as already applied');
  const deadLetters = counterIn(part, 'dead_letters_total', 'Dead letters written', ['source', 'reason']);
  return [
    instrumentation.on('ingest.accepted', (p) => accepted.inc({ type: eventType(p.type), source: oneOf(SOURCES, p.source) })),
    instrumentation.on('ingest.rejected', (p) =>
      rejected.inc({ reason: reason(p.reason), type: eventType(p.type), source: oneOf(SOURCES, p.source) }),
    ),
    instrumentation.on('online.applied', (p) => {
      if (p.duplicate) {
        duplicates.inc();
        return;
      }
      applied.inc({ type: eventType(p.type) });
      applyDuration.observe(seconds(p.applyMs));
      freshness.observe(seconds(p.freshnessMs));
    }),
    instrumentation.on('deadletter.written', (p) =>
      deadLetters.inc({ source: oneOf(SOURCES, p.source), reason: oneOf(DEAD_LETTER_REASONS, p.reason) }),
    ),
  ];
}

/** Index searches and upserts, the event store's batch inserts and the memory feature store's snapshots. */
function registerIndexAndStoreMetrics(part: MetricsPart): (() => void)[] {
  const { instrumentation } = part;
  const indexSearch = histogramIn(part, 'index_search_duration_seconds', 'Index search duration', HTTP_BUCKETS, ['kind']);
  const indexUpserts = counterIn(part, 'index_upserts_total', 'Index upserts', ['kind']);
  const flushDuration = histogramIn(part, 'eventstore_flush_duration_seconds', 'Event store batch insert duration', FLUSH_BUCKETS);
  const flushed = counterIn(part, 'eventstore_flushed_events_total', 'Events written to the event store');
  const flushErrors = counterIn(part, 'eventstore_flush_errors_total', 'Failed event store inserts');
  const snapshotDuration = histogramIn(part, 'featurestore_snapshot_duration_seconds', 'Memory feature store snapshots written, serializing and syncing', FLUSH_BUCKETS);
  const snapshotErrors = counterIn(part, 'featurestore_snapshot_errors_total', 'Memory feature store snapshots that failed');
  return [
    instrumentation.on('eventstore.flushed', (p) => {
      flushDuration.observe(seconds(p.ms));
      if (p.ok) flushed.inc(p.events);
      else flushErrors.inc();
    }),
    instrumentation.on('featurestore.snapshot', (p) => {
      if (p.ok) snapshotDuration.observe(seconds(p.ms));
      else snapshotErrors.inc();
    }),
    instrumentation.on('index.upsert', (p) => indexUpserts.inc({ kind: oneOf(INDEX_KINDS, p.kind) })),
    instrumentation.on('index.search', (p) => indexSearch.observe({ kind: oneOf(INDEX_KINDS, p.kind) }, seconds(p.ms))),
  ];
}

/** The model in service (read from `model` at scrape time when given, else from `model.activated`) and calls to external services. */
function registerModelAndServiceMetrics(part: MetricsPart, model: GaugeSources['model']): (() => void)[] {
  const { registers, prefix, instrumentation } = part;
  const modelInfo = new Gauge({
    name: `${prefix}model_info`,
    help: 'The model version in service (1)',
    labelNames: ['version'],
    registers,
    ...(model === undefined ? {} : { collect: modelInfoCollector(model) }),
  });
  const serviceCall = histogramIn(part, 'service_call_duration_seconds', 'Calls to external services', FLUSH_BUCKETS, ['service', 'op', 'ok']);
  return [
    instrumentation.on('model.activated', (p) => {
      // One series: the old version disappears when a new one takes over.
      modelInfo.reset();
      modelInfo.set({ version: token(p.version) }, 1);
    }),
    instrumentation.on('service.call', (p) =>
      serviceCall.observe(
        { service: oneOf(SERVICES, p.service), op: token(p.op), ok: p.ok ? 'true' : 'false' },
        seconds(p.ms),
      ),
    ),
  ];
}

/** The Kafka consumer: lag per partition, pauses for backpressure, handler retries. */
function registerKafkaMetrics(part: MetricsPart): (() => void)[] {
  const { registers, prefix, instrumentation } = part;
  const kafkaLag = new Gauge({
    name: `${prefix}kafka_consumer_lag`,
    help: 'Messages in a partition not yet handled by this consumer (log end offset minus next offset)',
    labelNames: ['topic', 'partition'],
    registers,
  });
  const kafkaPauses = counterIn(part, 'kafka_consumer_pauses_total', 'Times a consumer paused fetching because its handler fell behind');
  const kafkaRetries = counterIn(part, 'kafka_handler_retries_total', 'Failed handler calls that were retried', ['outage']);
  // Both values exist from the start, so a retry rate is 0 rather than absent.
  kafkaRetries.inc({ outage: 'true' }, 0);
  kafkaRetries.inc({ outage: 'false' }, 0);
  return [
    instrumentation.on('kafka.lag', (p) => {
      const labels = { topic: TOPIC.test(p.topic) ? p.topic : 'other', partition: partitionLabel(p.partition) };
      if (p.assigned) kafkaLag.set(labels, p.lag);
      else kafkaLag.remove(labels);
    }),
    instrumentation.on('kafka.backpressure', (p) => {
      if (p.paused) kafkaPauses.inc();
    }),
    instrumentation.on('kafka.retry', (p) => kafkaRetries.inc({ outage: p.outage ? 'true' : 'false' })),
  ];
}

/** Registers every metric, in the order of the exposition, and subscribes them to the instrumentation. */
export function createMetrics({ registry, instrumentation, prefix = 'meridian_', defaultMetrics = true, gauges = {} }: MetricsOptions): Metrics {
  if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(prefix)) throw new Error(`createMetrics: invalid metric prefix ${JSON.stringify(prefix)}`);
  if (registry.getSingleMetric(`${prefix}http_requests_total`) !== undefined) {
    throw new Error('createMetrics: this registry already has Meridian metrics; create one Metrics per registry (the app reuses them)');
  }
  const registers = [registry];
  const part: MetricsPart = { registers, prefix, instrumentation };
  const httpLabels: HttpLabel[] = ['route', 'method', 'status_code'];
  const httpDuration = histogramIn(part, 'http_request_duration_seconds', 'HTTP request duration by route pattern', HTTP_BUCKETS, httpLabels);
  const httpRequests = counterIn(part, 'http_requests_total', 'HTTP requests by route pattern', httpLabels);
  const off = [
    ...registerEventMetrics(part),
    ...registerIndexAndStoreMetrics(part),
    ...registerModelAndServiceMetrics(part, gauges.model),
    ...registerKafkaMetrics(part),
  ];
  if (defaultMetrics) collectDefaultMetrics({ register: registry, prefix });
  off.push(...registerEngineMetrics({ registers, prefix, instrumentation, gauges }));

  return {
    observeHttp: httpObserver(httpDuration, httpRequests),
    close() {
      for (const fn of off) fn();
    },
  };
}
