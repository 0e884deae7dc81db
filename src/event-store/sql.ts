import type { MeridianEvent } from '../ingest/index.ts';
import type { EventRange } from './port.ts';
import { storedItem, storedShopper } from './range.ts';

/**
 * Largest event time whose day every ClickHouse stores, prints and parses back: 2105-12-31 (UTC).
 * A Date is a UInt16 of days (to 2149-06-06 on current servers), but 18.x, the oldest server
 * supported, parses no day past 2105-12-31 (a later one reads as 1970-01-01) and prints none past
 * 2106-02-07. Scans send the days a server printed back to it, so every day must survive both.
 * Later events share that day (partitions only group; `ts` orders), so `day` never decreases as
 * `ts` grows.
 */
export const MAX_DAY_TS = 49_673 * 86_400_000 - 1;

/** The `day` of an event time, as YYYY-MM-DD (UTC): what DAY_DEFAULT computes, for writers that send it. */
export function dayOf(ts: number): string {
  return new Date(Math.min(Math.max(ts, 0), MAX_DAY_TS)).toISOString().slice(0, 10);
}

/** The `day` column's DEFAULT: the day of `ts` in UTC, capped at MAX_DAY_TS, with functions 18.x has. */
export const DAY_DEFAULT = `toDate(toUInt16(intDiv(least(ts, toInt64(${MAX_DAY_TS})), 86400000)))`;

/**
 * The engine of the events table, on every ClickHouse. The event bus delivers at least once, so an
 * event may be appended again (a worker killed before it committed re-applies its batch): a
 * ReplacingMergeTree keeps one row per sorting key, and an event appended twice has the same key
 * (tenant, shopper, ts, id), so merges keep it once and reads with FINAL see it once before they do.
 */
export const EVENTS_ENGINE = 'ReplacingMergeTree PARTITION BY day ORDER BY (tenant, shopper, ts, id)';

/**
 * The events table, on chDB and on the server: one row per event with the columns queries filter on
 * and the event as JSON in `body`. Partitioned by day (so time ranges read only their days), ordered
 * by (tenant, shopper, ts, id) (so one shopper's history is one contiguous read), a
 * ReplacingMergeTree (see EVENTS_ENGINE). `ts` is Int64 ms and `day` a Date (DAY_DEFAULT):
 * DateTime64 needs 20.1+. `lowCardinality: false` for servers that have LowCardinality only behind
 * an experimental flag (18.x).
 */
export function createEventsTableSql(name: string, { lowCardinality }: { lowCardinality: boolean }): string {
  const low = lowCardinality ? 'LowCardinality(String)' : 'String';
  return `CREATE TABLE IF NOT EXISTS ${name} (
  tenant ${low},
  id String,
  type ${low},
  market ${low},
  shopper String,
  item String,
  ts Int64,
  day Date DEFAULT ${DAY_DEFAULT},
  body String
) ENGINE = ${EVENTS_ENGINE}`;
}

/**
 * Replays of unsorted logs can span many days in one batch: allow it rather than fail the batch
 * (each day is a part, so such batches are slower, never lost).
 */
export const INSERT_EVENTS = 'INSERT INTO events SETTINGS throw_on_max_partitions_per_insert_block = 0 FORMAT JSONEachRow\n';

/**
 * ClickHouse exception codes that refuse the data of an insert (a row it cannot parse or convert),
 * on chDB and the server alike: the same rows fail every retry, so the batch is split and those
 * rows dead-lettered instead. Anything else (the network, the table, permissions) is retried.
 */
const ROW_REFUSAL_CODES: ReadonlySet<number> = new Set([
  6, // CANNOT_PARSE_TEXT
  25, // CANNOT_PARSE_ESCAPE_SEQUENCE (a lone surrogate: "\ud800")
  26, // CANNOT_PARSE_QUOTED_STRING
  27, // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  38, // CANNOT_PARSE_DATE
  41, // CANNOT_PARSE_DATETIME
  53, // TYPE_MISMATCH
  69, // ARGUMENT_OUT_OF_BOUND
  70, // CANNOT_CONVERT_TYPE
  72, // CANNOT_PARSE_NUMBER
  117, // INCORRECT_DATA
  131, // TOO_LARGE_STRING_SIZE
  321, // VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
  349, // CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN
]);

/** Longest store reason kept with a refused event. */
const REFUSAL_CHARS = 300;

/** The reason to dead-letter with when exception `code` refused an insert's rows; undefined for any other failure. */
export function rowRefusal(code: number | undefined, message: string): string | undefined {
  if (code === undefined || !ROW_REFUSAL_CODES.has(code)) return undefined;
  const text = message.replace(/\s+/g, ' ').trim();
  return `the event store refused the event: ${text.length > REFUSAL_CHARS ? `${text.slice(0, REFUSAL_CHARS)}…` : text}`;
}

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

/** The last day a `day` may hold (MAX_DAY_TS's), as YYYY-MM-DD. */
const MAX_DAY = dayOf(MAX_DAY_TS);

/**
 * Brings an events table made with another `day` cap (chDB tables of earlier versions capped it at
 * 2149-06-05) to MAX_DAY_TS: the DEFAULT changed in place (metadata only: `day` keeps its type),
 * then rows stored past the cap moved to the cap's day, so `day` never decreases as `ts` grows
 * (scans page by day) and every adapter stores the same day for an event. A move cut short is
 * finished by the next call: the rows copied twice share their sorting key and partition, and the
 * engine keeps them once. Idempotent; returns whether it changed anything.
 */
export async function capStoredDays(s: SqlSession, t: TableName): Promise<boolean> {
  const name = qualified(t);
  const db = t.database === undefined ? 'currentDatabase()' : sqlString(t.database);
  const current = await s.query(`SELECT default_expression FROM system.columns WHERE database = ${db} AND table = ${sqlString(t.table)} AND name = 'day'`);
  const stale = !current.includes(String(MAX_DAY_TS));
  if (stale) await s.command(`ALTER TABLE ${name} MODIFY COLUMN day Date DEFAULT ${DAY_DEFAULT}`);
  const late = (await s.query(`SELECT DISTINCT day FROM ${name} WHERE day > ${sqlString(MAX_DAY)} ORDER BY day`)).split('\n').filter((l) => l !== '');
  if (late.length === 0) return stale;
  await s.command(
    `INSERT INTO ${name} (tenant, id, type, market, shopper, item, ts, day, body) ` +
      `SELECT tenant, id, type, market, shopper, item, ts, toDate(${sqlString(MAX_DAY)}), body FROM ${name} WHERE day > ${sqlString(MAX_DAY)}`,
  );
  for (const day of late) await s.command(`ALTER TABLE ${name} DROP PARTITION ${sqlString(day)}`);
  return true;
}
