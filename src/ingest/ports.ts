import type { MeridianEvent } from './events.ts';

/** One event on the bus with its position. */
export interface BusRecord {
  offset: number;
  partition: number;
  event: MeridianEvent;
  /** Wall-clock time (ms) the bus accepted the event, when it knows: for the accepted → visible metric. */
  acceptedAt?: number;
}

export type BusHandler = (records: readonly BusRecord[]) => Promise<void>;

/**
 * Port: the event bus. Embedded default: an in-process append-only log whose `publish` resolves
 * after every subscriber applied the events (so a POST is visible on return); production: Kafka.
 */
export interface EventBus {
  readonly kind: string;
  /** Appends events (keyed by shopper, so one shopper's events stay in order). Resolves once durable. */
  publish(events: readonly MeridianEvent[]): Promise<void>;
  /** Consumes from the group's committed offset; offsets are committed after `handler` resolves. */
  subscribe(group: string, handler: BusHandler): Promise<void>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface EventRange {
  tenant?: string;
  /** Inclusive lower bound of event time (ms). */
  from?: number;
  /** Exclusive upper bound of event time (ms). */
  to?: number;
  user?: string;
}

/**
 * Port: the append-only event store. Embedded default: chDB; production: ClickHouse server.
 * `append` buffers and inserts in batches (by size or time); `flush` forces the insert.
 */
export interface EventStore {
  readonly kind: string;
  append(events: readonly MeridianEvent[]): Promise<void>;
  flush(): Promise<void>;
  /** Events in a range, ordered by event time then id. */
  scan(range?: EventRange): AsyncIterable<MeridianEvent>;
  count(range?: EventRange): Promise<number>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** Where rejected input goes, with the reason: nothing is silently dropped. */
export interface DeadLetter {
  source: string;
  reason: string;
  errors: { field: string; rule: string; message: string }[];
  /** The raw input (a line, a message value), truncated to a bounded size. */
  raw: string;
  /** Line number or offset where the input came from, when known. */
  position?: number;
  at: number;
}

export interface DeadLetterSink {
  write(letters: readonly DeadLetter[]): Promise<void>;
  /** Most recent letters, newest last (memory sink; others may return []). */
  recent(n: number): DeadLetter[];
  count(): number;
  close(): Promise<void>;
}
