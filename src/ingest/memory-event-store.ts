import type { Logger } from '../core/index.ts';
import type { MeridianEvent } from './events.ts';
import type { EventRange, EventStore } from './ports.ts';
import { checkRange, compareEvents, inRange } from './event-range.ts';

/** The rows of a memory event store, kept in scan order; stores made on the same table share it. */
export interface MemoryEventTable {
  rows: MeridianEvent[];
}

export function createMemoryEventTable(): MemoryEventTable {
  return { rows: [] };
}

/** Index of the first row that sorts after `e` (rows are sorted; ties keep arrival order). */
function upperBound(rows: readonly MeridianEvent[], e: MeridianEvent): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareEvents(rows[mid] as MeridianEvent, e) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First row with ts >= from. */
function lowerBoundTs(rows: readonly MeridianEvent[], from: number): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((rows[mid] as MeridianEvent).ts < from) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * An event store in memory, for tests and `memory:` configs; not for production (unbounded,
 * lost on exit). Appends are visible at once, so `flush` has nothing to do. Like ClickHouse, it
 * keeps duplicates: idempotency is the online updater's job.
 */
export function createMemoryEventStore({
  table = createMemoryEventTable(),
  logger,
}: { table?: MemoryEventTable; logger?: Logger } = {}): EventStore {
  logger?.warn('memory event store: events are kept in memory only, not for production');
  const rows = table.rows;

  const insert = (e: MeridianEvent): void => {
    const last = rows[rows.length - 1];
    // Events mostly arrive in time order: appending is the common case.
    if (last === undefined || compareEvents(last, e) <= 0) rows.push(e);
    else rows.splice(upperBound(rows, e), 0, e);
  };

  function* matching(range: EventRange): Generator<MeridianEvent> {
    checkRange(range);
    const start = range.from === undefined ? 0 : lowerBoundTs(rows, range.from);
    for (let i = start; i < rows.length; i++) {
      const e = rows[i] as MeridianEvent;
      if (range.to !== undefined && e.ts >= range.to) return;
      if (inRange(e, range)) yield e;
    }
  }

  return {
    kind: 'memory',
    append(events) {
      for (const e of events) insert(e);
      return Promise.resolve();
    },
    flush: () => Promise.resolve(),
    async *scan(range = {}) {
      // A snapshot of the matching rows, so appends during the scan do not shift it.
      yield* [...matching(range)];
    },
    async count(range = {}) {
      let n = 0;
      for (const _ of matching(range)) n++;
      return n;
    },
    ping: () => Promise.resolve(true),
    close: () => Promise.resolve(),
  };
}
