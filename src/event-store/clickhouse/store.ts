import { MeridianError, unavailable, type Instrumentation, type Logger } from '../../core/index.ts';
import type { EventStore, RejectedEvents } from '../port.ts';
import { dayOf, eventRowWithDay, rowRefusal } from '../sql.ts';
import { sqlEventStore } from '../sql-store.ts';
import { createInsertBuffer } from '../insert-buffer.ts';
import { createHttpTransport, exceptionCodeOf, type ClickHouseTransport } from './transport.ts';
import { detectServer, migrateEventsSchema, type EventsTable, type Migration, type ServerInfo } from './schema.ts';

export interface ClickHouseStoreOptions {
  database?: string;
  table?: string;
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
  /** Asynchronous inserts where the server has them (21.11+), waiting for the write; ignored elsewhere. */
  asyncInsert?: boolean;
  /** Schema migrations; a later build appends to the default list. */
  migrations?: readonly Migration[];
  /** Where events the server refuses go (see createInsertBuffer). */
  rejected?: RejectedEvents;
}

export interface ClickHouseEventStoreOptions extends ClickHouseStoreOptions {
  /** http(s)://host:port of the ClickHouse HTTP interface. */
  url: string;
  username?: string;
  password?: string;
  /** Attempts after a retriable failure (network, timeout, 5xx, overload), with doubling backoff. */
  retries?: number;
  retryBaseMs?: number;
  requestTimeoutMs?: number;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

function identifier(kind: string, name: string): string {
  if (!IDENTIFIER.test(name)) throw new MeridianError('config_invalid', `clickhouse event store: ${kind} "${name}" must match ${IDENTIFIER.source}`);
  return name;
}

/** Settings every insert carries, chosen by what the server supports. */
function insertSettings(server: ServerInfo, asyncInsert: boolean, logger: Logger): Record<string, string | number> {
  const s: Record<string, string | number> = {};
  // A replay batch may span many days (one partition each): never refuse it (newer servers cap it at 100).
  if (server.settings.has('max_partitions_per_insert_block')) s.max_partitions_per_insert_block = 0;
  if (asyncInsert && server.settings.has('async_insert')) {
    s.async_insert = 1;
    s.wait_for_async_insert = 1; // `flush` resolves once the events are written, as with plain inserts
    if (server.settings.has('async_insert_deduplicate')) s.async_insert_deduplicate = 1;
  } else if (asyncInsert) {
    logger.info('clickhouse: this server has no async inserts; inserting batches synchronously', { server: server.version });
  }
  return s;
}

/**
 * The ClickHouse event store on any transport that runs its SQL: detects the server, migrates the
 * schema, then buffers appends into batched inserts (see insert-buffer.ts). Values are escaped and
 * inlined, so one code path serves 18.x and current servers alike.
 */
export async function openClickHouseEventStore(
  transport: ClickHouseTransport,
  {
    database = 'meridian',
    table = 'events',
    logger,
    instrumentation,
    batchSize = 5000,
    flushIntervalMs = 1000,
    maxPending = 20 * batchSize,
    pageSize = 10_000,
    asyncInsert = false,
    migrations,
    rejected,
  }: ClickHouseStoreOptions,
): Promise<EventStore> {
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) throw new MeridianError('config_invalid', `clickhouse event store: pageSize must be a positive integer, got ${pageSize}`);
  const target: EventsTable = { database: identifier('database', database), table: identifier('table', table), name: `${database}.${table}` };
  let settings: Record<string, string | number> = {};
  const insertSql = `INSERT INTO ${target.name} (tenant, id, type, market, shopper, item, ts, day, body) FORMAT JSONEachRow`;
  // Made before any request so bad options fail before the server is touched.
  const buffer = createInsertBuffer({
    write: async (batch) => {
      await transport.run('insert', insertSql, { body: batch.map((e) => eventRowWithDay(e, dayOf(e.ts))).join('\n'), settings });
    },
    refusal: (e) => rowRefusal(exceptionCodeOf(e), (e as Error).message),
    ...(rejected === undefined ? {} : { rejected }),
    logger,
    instrumentation,
    batchSize,
    flushIntervalMs,
    maxPending,
  });
  const server = await detectServer(transport);
  const { pending } = await migrateEventsSchema(transport, target, server, logger, migrations);
  settings = insertSettings(server, asyncInsert, logger);
  logger.info('clickhouse event store ready', { table: target.name, server: server.version, lowCardinality: server.lowCardinality, pendingMigrations: pending });

  const query = (sql: string, format: string): Promise<string> => transport.run('query', `${sql} FORMAT ${format}`);
  return sqlEventStore({
    kind: 'clickhouse',
    buffer,
    query,
    table: target.name,
    pageSize,
    ping: () => transport.ping(),
    release: () => transport.close(),
  });
}

/**
 * The production event store: a ClickHouse server over HTTP (@clickhouse/client). Requests that
 * fail for a passing reason are retried with backoff; an insert that still fails keeps its batch
 * for the next flush, up to `maxPending` events.
 */
export async function createClickHouseEventStore({
  url,
  username,
  password,
  retries,
  retryBaseMs,
  requestTimeoutMs,
  ...options
}: ClickHouseEventStoreOptions): Promise<EventStore> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new MeridianError('config_invalid', `clickhouse event store: url "${url}" is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new MeridianError('config_invalid', `clickhouse event store: url must be http(s)://host:port, got "${url}"`);
  }
  const transport = createHttpTransport({
    url: parsed.origin,
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
    ...(retries === undefined ? {} : { retries }),
    ...(retryBaseMs === undefined ? {} : { retryBaseMs }),
    ...(requestTimeoutMs === undefined ? {} : { requestTimeoutMs }),
    logger: options.logger,
    instrumentation: options.instrumentation,
  });
  try {
    return await openClickHouseEventStore(transport, options);
  } catch (e) {
    await transport.close();
    if (e instanceof MeridianError && e.code === 'clickhouse_unavailable') {
      throw unavailable('event_store_unavailable', `clickhouse event store: cannot open ${parsed.origin}: ${e.message}`, e);
    }
    throw e;
  }
}

/**
 * Store options from an event store URL: `clickhouse://[user[:password]@]host[:port][/database]`
 * (HTTP, port 8123; `?secure=1` for HTTPS on 8443) or `http(s)://…` with the same parts;
 * `?table=` names the table.
 */
export function clickHouseUrlOptions(url: string): Pick<ClickHouseEventStoreOptions, 'url' | 'username' | 'password' | 'database' | 'table'> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new MeridianError('config_invalid', `event store URL "${url}" is not a URL`);
  }
  const secure = u.protocol === 'https:' || (u.protocol === 'clickhouse:' && /^(1|true)$/.test(u.searchParams.get('secure') ?? ''));
  if (u.protocol !== 'clickhouse:' && u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new MeridianError('config_invalid', `event store URL "${url}": expected clickhouse://, http:// or https://`);
  }
  const port = u.port !== '' ? u.port : u.protocol === 'clickhouse:' ? (secure ? '8443' : '8123') : '';
  const database = decodeURIComponent(u.pathname.replace(/^\/+|\/+$/g, ''));
  const table = u.searchParams.get('table');
  return {
    url: `${secure ? 'https' : 'http'}://${u.hostname}${port === '' ? '' : `:${port}`}`,
    ...(u.username === '' ? {} : { username: decodeURIComponent(u.username) }),
    ...(u.password === '' ? {} : { password: decodeURIComponent(u.password) }),
    ...(database === '' ? {} : { database }),
    ...(table === null || table === '' ? {} : { table }),
  };
}
