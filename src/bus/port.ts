import { MeridianError } from '../core/index.ts';
import type { MeridianEvent } from '../ingest/index.ts';

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

/** What every adapter answers once it is closed: a retriable 503, since a restarted bus takes the call. */
export function checkBusOpen(bus: { readonly closed: boolean }): void {
  if (bus.closed) throw new MeridianError('bus_closed', 'the event bus is closed', { statusCode: 503, retriable: true });
}
