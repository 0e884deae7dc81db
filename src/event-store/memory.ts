import { createIdTable, type IdTable, type Logger } from '../core/index.ts';
import type { MeridianEvent } from '../ingest/index.ts';
import type { EventRange, EventStore } from './port.ts';
import { checkRange, compareEvents, inRange } from './range.ts';

/** The rows of a memory event store; stores made on the same table share it. */
export interface MemoryEventTable {
  /** In arrival order; in scan order (ties in arrival order) whenever `sorted`. */
  rows: MeridianEvent[];
  sorted: boolean;
  /** The ids stored, per tenant: an event is kept once. */
  ids: Map<string, IdTable>;
}

export function createMemoryEventTable(): MemoryEventTable {
  return { rows: [], sorted: true, ids: new Map() };
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
 * lost on exit). Appends are visible at once, so `flush` has nothing to do. Like the ClickHouse
 * stores, it keeps an event appended again (same tenant and id: a redelivery) once.
 */
export function createMemoryEventStore({
  table = createMemoryEventTable(),
  logger,
}: { table?: MemoryEventTable; logger?: Logger } = {}): EventStore {
  logger?.warn('memory event store: events are kept in memory only, not for production');
  const { rows, ids } = table;

  const idsOf = (tenant: string): IdTable => {
    let seen = ids.get(tenant);
    if (seen === undefined) ids.set(tenant, (seen = createIdTable()));
    return seen;
  };

  // Appends are O(1): events of several partitions arrive out of order, and placing each in order
  // would move the rows after it. The next read sorts (a stable sort: ties keep arrival order).
  const append = (events: readonly MeridianEvent[]): void => {
    // A batch is mostly one tenant's: its id set is looked up when the tenant changes.
    let tenant: string | undefined;
    let seen: IdTable | undefined;
    for (let i = 0; i < events.length; i++) {
      const e = events[i] as MeridianEvent;
      if (e.tenant !== tenant || seen === undefined) {
        tenant = e.tenant;
        seen = idsOf(tenant);
      }
      if (!seen.add(e.id)) continue;
      if (table.sorted) {
        const last = rows[rows.length - 1];
        if (last !== undefined && compareEvents(last, e) > 0) table.sorted = false;
      }
      rows.push(e);
    }
  };

  function* matching(range: EventRange): Generator<MeridianEvent> {
    checkRange(range);
    if (!table.sorted) {
      rows.sort(compareEvents);
      table.sorted = true;
    }
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
      append(events);
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
