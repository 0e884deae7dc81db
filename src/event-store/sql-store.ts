import { MeridianError } from '../core/index.ts';
import type { EventStore } from './port.ts';
import { checkRange } from './range.ts';
import { rangeConditions, whereClause } from './sql.ts';
import { scanEventPages, type QueryText } from './scan.ts';
import type { InsertBuffer } from './insert-buffer.ts';

/**
 * The EventStore both ClickHouse adapters share (embedded chDB and the server): batched appends
 * through an insert buffer, keyset scans and counts in SQL. Reads are FINAL: an event appended twice
 * is one row of the ReplacingMergeTree only once a merge saw both (see EVENTS_ENGINE). Each adapter
 * brings its own way to run a query, to ping and to release its connection.
 */
export function sqlEventStore(o: {
  kind: string;
  buffer: InsertBuffer;
  query: QueryText;
  table: string;
  pageSize: number;
  ping: () => Promise<boolean>;
  /** Closes the connection, after the buffer was flushed (or failed to). */
  release: () => Promise<void>;
}): EventStore {
  let closed = false;
  const checkOpen = (): void => {
    if (closed) throw new MeridianError('event_store_closed', 'the event store is closed', { statusCode: 503, retriable: true });
  };
  return {
    kind: o.kind,
    append: (events) => o.buffer.add(events),
    flush: () => o.buffer.flush(),
    async *scan(range = {}) {
      checkOpen();
      yield* scanEventPages(o.query, range, o.pageSize, o.table);
    },
    async count(range = {}) {
      checkOpen();
      checkRange(range);
      return Number((await o.query(`SELECT count() FROM ${o.table} FINAL ${whereClause(rangeConditions(range))}`, 'TSVRaw')).trim());
    },
    async ping() {
      return !closed && (await o.ping());
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await o.buffer.close();
      } finally {
        await o.release();
      }
    },
  };
}
