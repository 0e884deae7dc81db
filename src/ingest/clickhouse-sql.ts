import type { MeridianEvent } from './events.ts';
import type { EventRange } from './ports.ts';
import { storedItem, storedShopper } from './event-range.ts';

/** Largest event time whose day fits a ClickHouse Date (2149-06-06); later events share that day. */
const MAX_DAY_TS = 65_535 * 86_400_000 - 1;

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
) ENGINE = MergeTree PARTITION BY day ORDER BY (tenant, shopper, ts, id)`;

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
