import type { MeridianEvent } from '../ingest/index.ts';
import type { EventRange } from './port.ts';
import { storedItem, storedShopper } from './range.ts';

/** Largest event time whose day fits a ClickHouse Date (2149-06-06); later events share that day. */
const MAX_DAY_TS = 65_535 * 86_400_000 - 1;

/**
 * The engine of the events table, on every ClickHouse. The event bus delivers at least once, so an
 * event may be appended again (a worker killed before it committed re-applies its batch): a
 * ReplacingMergeTree keeps one row per sorting key, and an event appended twice has the same key
 * (tenant, shopper, ts, id), so merges keep it once and reads with FINAL see it once before they do.
 */
export const EVENTS_ENGINE = 'ReplacingMergeTree PARTITION BY day ORDER BY (tenant, shopper, ts, id)';

/**
 * The event log table. One row per event with the columns queries filter on, and the event
 * itself as JSON in `body`. `day` is derived from `ts` in UTC (clamped to the Date range, so it
 * never decreases as `ts` grows: scans page by day).
 */
export const CREATE_EVENTS_TABLE = `CREATE TABLE IF NOT EXISTS events (
  tenant LowCardinality(String),
  id String,
  type LowCardinality(String),
  market LowCardinality(String),
  shopper String,
  item String,
  ts Int64,
  day Date DEFAULT toDate(fromUnixTimestamp64Milli(least(ts, ${MAX_DAY_TS}), 'UTC')),
  body String
) ENGINE = ${EVENTS_ENGINE}`;

/**
 * Replays of unsorted logs can span many days in one batch: allow it rather than fail the batch
 * (each day is a part, so such batches are slower, never lost).
 */
export const INSERT_EVENTS = 'INSERT INTO events SETTINGS throw_on_max_partitions_per_insert_block = 0 FORMAT JSONEachRow\n';

/** A ClickHouse string literal: backslashes and quotes escaped, control bytes spelled out. */
export function sqlString(s: string): string {
  let out = "'";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x27) out += "\\'";
    else if (c === 0x5c) out += '\\\\';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += s[i];
  }
  return out + "'";
}

/** A ClickHouse integer literal; refuses anything but a safe integer so nothing else reaches SQL. */
export function sqlInt(n: number): string {
  if (!Number.isSafeInteger(n)) throw new TypeError(`not a safe integer: ${n}`);
  return String(n);
}

/** The WHERE conditions of a range (joined with AND; 'true' when the range is empty). */
export function rangeConditions(range: EventRange): string[] {
  const where: string[] = [];
  if (range.tenant !== undefined) where.push(`tenant = ${sqlString(range.tenant)}`);
  if (range.user !== undefined) where.push(`shopper = ${sqlString(`u:${range.user}`)}`);
  if (range.from !== undefined) where.push(`ts >= ${sqlInt(range.from)}`);
  if (range.to !== undefined) where.push(`ts < ${sqlInt(range.to)}`);
  return where;
}

export function whereClause(conditions: readonly string[]): string {
  return conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
}

/** One JSONEachRow line for the events table (`day` is left to its default). */
export function eventRow(e: MeridianEvent): string {
  return JSON.stringify(rowOf(e));
}

/**
 * The same line with `day` given (YYYY-MM-DD): old servers fill omitted JSONEachRow columns with
 * the type's zero, not the column's DEFAULT, so a writer for every version sends it.
 */
export function eventRowWithDay(e: MeridianEvent, day: string): string {
  const row: Record<string, unknown> = rowOf(e);
  row.day = day;
  return JSON.stringify(row);
}

function rowOf(e: MeridianEvent): Record<string, unknown> {
  return {
    tenant: e.tenant,
    id: e.id,
    type: e.type,
    market: e.market ?? '',
    shopper: storedShopper(e),
    item: storedItem(e),
    ts: e.ts,
    body: JSON.stringify(e),
  };
}

/** A connection that runs SQL, for the schema steps both ClickHouse adapters share. */
export interface SqlSession {
  /** Runs a statement that returns nothing. */
  command(sql: string): Promise<void>;
  /** Runs a query and returns its rows as TabSeparated text (the query has no FORMAT clause). */
  query(sql: string): Promise<string>;
}

/** An events table by name; `database` undefined: the session's current database. */
export interface TableName {
  database?: string;
  table: string;
}

const qualified = (t: TableName, table = t.table): string => (t.database === undefined ? table : `${t.database}.${table}`);

/**
 * Makes an events table of an earlier version (a plain MergeTree, which keeps an event appended
 * twice as two rows) a ReplacingMergeTree, rows included: a copy under the new engine, then one
 * RENAME swaps the two. Rows inserted into the old table while it was copied are copied again after
 * the swap (the new engine drops the repeats), then the old table is dropped; a migration cut short
 * anywhere is finished by the next start. Idempotent; returns whether it changed anything. Of two
 * processes migrating at once, one may fail (its RENAME finds the tables swapped) and finishes at
 * its next start; rows are dropped only by the one that copied them.
 * `settings` are MergeTree settings of the new table (`name = value, …`).
 */
export async function replaceEventsEngine(s: SqlSession, t: TableName, settings = ''): Promise<boolean> {
  const name = qualified(t);
  const copy = qualified(t, `${t.table}__replacing`);
  const old = qualified(t, `${t.table}__merge_tree`);
  const engines = async (): Promise<Map<string, string>> => {
    const db = t.database === undefined ? 'currentDatabase()' : sqlString(t.database);
    const names = [t.table, `${t.table}__merge_tree`].map(sqlString).join(', ');
    const rows = await s.query(`SELECT name, engine FROM system.tables WHERE database = ${db} AND name IN (${names})`);
    return new Map(rows.split('\n').filter((l) => l !== '').map((l) => l.split('\t') as [string, string]));
  };
  const count = async (table: string): Promise<number> => Number((await s.query(`SELECT count() FROM ${table}`)).trim());
  let found = await engines();
  let copied: number | undefined;
  if (found.get(t.table) === 'MergeTree') {
    await s.command(`CREATE TABLE IF NOT EXISTS ${copy} AS ${name} ENGINE = ${EVENTS_ENGINE}${settings === '' ? '' : ` SETTINGS ${settings}`}`);
    copied = await count(name);
    await s.command(`INSERT INTO ${copy} SELECT * FROM ${name}`);
    await s.command(`RENAME TABLE ${name} TO ${old}, ${copy} TO ${name}`);
    found = await engines();
  }
  if (!found.has(`${t.table}__merge_tree`)) return copied !== undefined;
  // A plain MergeTree only grows: an unchanged count means nothing arrived during the copy.
  if (copied === undefined || (await count(old)) !== copied) await s.command(`INSERT INTO ${name} SELECT * FROM ${old}`);
  await s.command(`DROP TABLE ${old}`);
  return true;
}
