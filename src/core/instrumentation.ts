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
  'index.upsert': { kind: 'vector' | 'lexical' };
  'index.search': { kind: 'vector' | 'lexical'; ms: number };
  /** A dead letter was written. */
  'deadletter.written': { source: string; reason: string };
  /** The model in service changed. */
  'model.activated': { version: string };
  /** A call to an external service (Redis, ClickHouse, Kafka) finished. */
  'service.call': { service: string; op: string; ms: number; ok: boolean };
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
