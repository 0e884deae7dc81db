/**
 * Typed instrumentation events. Components emit; the metrics module (and tests) subscribe. A
 * component never imports prom-client itself.
 */
export interface InstrumentationEvents {
  /** An event passed validation and was handed to the bus. */
  'ingest.accepted': { type: string; source: string };
  /** An event was rejected; `reason` is a bounded code. */
  'ingest.rejected': { reason: string; type: string; source: string };
  /** An event was applied by the online updater. */
  'online.applied': { type: string; applyMs: number; freshnessMs: number; duplicate: boolean };
  /** A batch was appended to the event store. */
  'eventstore.flushed': { events: number; ms: number; ok: boolean };
  /**
   * A feature store snapshot was written (`ok`) or failed. `trigger`: the periodic timer or a
   * `flush()` (a stop); `serializeMs` is the part that held the event loop.
   */
  'featurestore.snapshot': { ok: boolean; ms: number; serializeMs: number; bytes: number; trigger: 'interval' | 'flush' };
  'index.upsert': { kind: 'vector' | 'lexical' };
  'index.search': { kind: 'vector' | 'lexical'; ms: number };
  /** A dead letter was written. */
  'deadletter.written': { source: string; reason: string };
  /** The model in service changed. */
  'model.activated': { version: string };
  /** A call to an external service (Redis, ClickHouse, Kafka) finished. */
  'service.call': { service: string; op: string; ms: number; ok: boolean };
  /**
   * Consumer lag of one partition: its log end offset minus the next offset to handle here.
   * `assigned: false` when the partition left this consumer (its series goes away).
   */
  'kafka.lag': { topic: string; partition: number; lag: number; assigned: boolean };
  /** A consumer paused fetching because its handler fell behind (true), or resumed (false). */
  'kafka.backpressure': { group: string; paused: boolean };
  /** A handler call failed and is retried; `outage` when the error says the service behind it is down. */
  'kafka.retry': { group: string; outage: boolean };
  /**
   * An applied event became visible to reads: wall-clock ms from the bus accepting it (the ingest
   * timestamp the bus carries) to the end of its apply.
   */
  'online.visible': { ms: number };
  /** A recall sample of the vector index: the share of the exact top `k` that the index returned. */
  'index.recall': { recall: number; k: number; queries: number };
  /** A training run ended. */
  'training.finished': { status: 'succeeded' | 'failed'; ms: number };
  /** Offline metrics of the model in service (e.g. `hr_at_10`, `ndcg_at_10`), set when it is activated. */
  'model.evaluated': { version: string; metrics: Readonly<Record<string, number>> };
  /** A list request looked in the kept lists: `hit` when a kept one was served. */
  'lists.cache': { hit: boolean };
}

export type InstrumentationName = keyof InstrumentationEvents;
export type Listener<K extends InstrumentationName> = (payload: InstrumentationEvents[K]) => void;

export interface Instrumentation {
  emit<K extends InstrumentationName>(name: K, payload: InstrumentationEvents[K]): void;
  on<K extends InstrumentationName>(name: K, listener: Listener<K>): () => void;
}

export function createInstrumentation(): Instrumentation {
  const listeners = new Map<InstrumentationName, Set<(p: unknown) => void>>();
  return {
    emit(name, payload) {
      const set = listeners.get(name);
      if (set === undefined) return;
      for (const fn of set) fn(payload);
    },
    on(name, listener) {
      let set = listeners.get(name);
      if (set === undefined) {
        set = new Set();
        listeners.set(name, set);
      }
      const fn = listener as (p: unknown) => void;
      set.add(fn);
      return () => set.delete(fn);
    },
  };
}
