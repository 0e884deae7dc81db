import type { AdapterDeps } from '../core/index.ts';
import type { MeridianEvent } from '../ingest/index.ts';

/** An event the store refused at insert (the row itself, not the connection), with the store's reason. */
export interface RejectedEvent {
  event: MeridianEvent;
  reason: string;
}

/**
 * Takes the events a store refused, to dead-letter them. A rejection here (the sink is down) keeps
 * them in the store's buffer, to be tried again like any failed insert.
 */
export type RejectedEvents = (rejected: readonly RejectedEvent[]) => Promise<void>;

/** What opening an event store needs: a logger, instrumentation and where refused rows go. */
export interface EventStoreDeps extends AdapterDeps {
  /** Without it, refused rows are logged at error level (with ids and reason) and dropped. */
  rejected?: RejectedEvents;
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
