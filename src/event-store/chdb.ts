import { mkdirSync } from 'node:fs';
import type { Session } from 'chdb';
import { MeridianError, unavailable, type Instrumentation, type Logger } from '../core/index.ts';
import type { EventStore, RejectedEvents } from './port.ts';
import { INSERT_EVENTS, capStoredDays, createEventsTableSql, eventRow, replaceEventsEngine, rowRefusal } from './sql.ts';
import { sqlEventStore } from './sql-store.ts';
import { createInsertBuffer } from './insert-buffer.ts';

export interface ChdbEventStoreOptions {
  /** Data directory of the embedded ClickHouse (chDB allows one per process). */
  path: string;
  logger: Logger;
  instrumentation: Instrumentation;
  /** Events per insert; reaching it triggers a flush. */
  batchSize?: number;
  /** Longest time an appended event waits before it is inserted. */
  flushIntervalMs?: number;
  /** Most events held while inserts fail; past it `append` refuses (retriable) instead of dropping. */
  maxPending?: number;
  /** Events per scan page. */
  pageSize?: number;
  /** Where events chDB refuses go (see createInsertBuffer). */
  rejected?: RejectedEvents;
}

/** chDB's errors carry the ClickHouse exception code as `clickhouseCode`. */
function chdbRefusal(e: unknown): string | undefined {
  const code = (e as { clickhouseCode?: unknown } | undefined)?.clickhouseCode;
  return rowRefusal(typeof code === 'number' ? code : undefined, (e as Error).message);
}

/**
 * Opens the chDB data directory and makes sure the events table exists, as a ReplacingMergeTree
 * with the day cap of every adapter (a table of an earlier version is migrated, rows included).
 */
async function openSession(path: string, logger: Logger): Promise<Session> {
  let session: Session | undefined;
  try {
    const { Session } = await import('chdb');
    mkdirSync(path, { recursive: true });
    const s = (session = new Session(path));
    await s.queryAsync(createEventsTableSql('events', { lowCardinality: true }));
    const sql = {
      command: async (q: string): Promise<void> => void (await s.queryAsync(q)),
      query: async (q: string): Promise<string> => (await s.queryAsync(q, { format: 'TabSeparated' })).text(),
    };
    if (await replaceEventsEngine(sql, { table: 'events' })) logger.info('chdb event store: events table migrated to ReplacingMergeTree', { path });
    if (await capStoredDays(sql, { table: 'events' })) logger.info('chdb event store: events table migrated to the day cap of every adapter', { path });
    return s;
  } catch (e) {
    session?.close();
    throw unavailable('event_store_unavailable', `chdb event store: cannot open ${path}: ${(e as Error).message}`, e);
  }
}

/**
 * The embedded event store: chDB (ClickHouse in process). Appends are buffered and inserted in
 * batches (see insert-buffer.ts). Queries use chDB's async calls, so the event loop is not blocked
 * while ClickHouse works. chDB (a large native library) is loaded on first use, so importing this
 * area stays cheap.
 */
export async function createChdbEventStore({
  path,
  logger,
  instrumentation,
  batchSize = 5000,
  flushIntervalMs = 1000,
  maxPending = 20 * batchSize,
  pageSize = 10_000,
  rejected,
}: ChdbEventStoreOptions): Promise<EventStore> {
  if (path === '') throw new MeridianError('config_invalid', 'chdb event store: path must not be empty');
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) throw new MeridianError('config_invalid', `chdb event store: pageSize must be a positive integer, got ${pageSize}`);
  // Calls into the session run one at a time, in order.
  let io: Promise<unknown> = Promise.resolve();
  const run = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = io.then(fn);
    io = next.catch(() => undefined);
    return next;
  };
  // Made before the session so bad options fail before anything is opened.
  const buffer = createInsertBuffer({
    write: async (batch) => {
      await run(() => session.queryAsync(INSERT_EVENTS + batch.map(eventRow).join('\n')));
    },
    refusal: chdbRefusal,
    ...(rejected === undefined ? {} : { rejected }),
    logger,
    instrumentation,
    batchSize,
    flushIntervalMs,
    maxPending,
  });
  const session = await openSession(path, logger);
  const query = (sql: string, format: string): Promise<string> => run(async () => (await session.queryAsync(sql, { format })).text());
  return sqlEventStore({
    kind: 'chdb',
    buffer,
    query,
    table: 'events',
    pageSize,
    async ping() {
      try {
        return (await query('SELECT 1', 'TSVRaw')).trim() === '1';
      } catch {
        return false;
      }
    },
    async release() {
      await io;
      session.close();
    },
  });
}
