import type { MeridianEvent } from '../ingest/index.ts';

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
