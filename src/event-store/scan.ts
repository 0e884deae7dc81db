import type { MeridianEvent } from '../ingest/index.ts';
import type { EventRange } from './port.ts';
import { checkRange } from './range.ts';
import { rangeConditions, sqlInt, sqlString, whereClause } from './sql.ts';

/** Runs one query and returns its output in `format` (a ClickHouse output format name). */
export type QueryText = (sql: string, format: string) => Promise<string>;

/**
 * Groups the non-empty days of a range (`day<TAB>count` rows, ascending: TabSeparated, which every
 * ClickHouse version writes) into windows of about `pageSize` events, so each page reads only its
 * window's partitions. The last window is open ended, so events appended to later days during the
 * scan are not missed.
 */
export function dayWindows(rows: string, pageSize: number): [string, string | undefined][] {
  const windows: [string, string | undefined][] = [];
  let first: string | undefined;
  let sum = 0;
  for (const line of rows.split('\n')) {
    if (line === '') continue;
    const tab = line.indexOf('\t');
    const day = line.slice(0, tab);
    const n = line.slice(tab + 1);
    first ??= day;
    sum += Number(n);
    if (sum >= pageSize) {
      windows.push([first, day]);
      first = undefined;
      sum = 0;
    }
  }
  if (first !== undefined) windows.push([first, undefined]);
  else if (windows.length > 0) (windows[windows.length - 1] as [string, string | undefined])[1] = undefined;
  return windows;
}

/**
 * The events of a range in (ts, id) order, a page at a time with keyset pagination: each page
 * starts after the last (ts, id) seen and reads only the day partitions of its window, so a scan
 * of any size costs one pass over the data and holds one page in memory. `table` is a trusted
 * (validated) name, optionally qualified by its database.
 */
export async function* scanEventPages(query: QueryText, range: EventRange, pageSize: number, table = 'events'): AsyncGenerator<MeridianEvent> {
  checkRange(range);
  const conditions = rangeConditions(range);
  const days = await query(`SELECT day, count() FROM ${table} ${whereClause(conditions)} GROUP BY day ORDER BY day`, 'TabSeparated');
  let cursor: MeridianEvent | undefined;
  for (const [first, last] of dayWindows(days, pageSize)) {
    for (;;) {
      const where = [...conditions, `day >= ${sqlString(first)}`];
      if (last !== undefined) where.push(`day <= ${sqlString(last)}`);
      if (cursor !== undefined) where.push(`(ts, id) > (${sqlInt(cursor.ts)}, ${sqlString(cursor.id)})`);
      // `body` is single-line JSON, so TSVRaw gives one event per line, unescaped. FINAL: an event
      // appended twice is read once (the day counts above may count it twice: they only size windows).
      const text = await query(`SELECT body FROM ${table} FINAL ${whereClause(where)} ORDER BY ts, id LIMIT ${sqlInt(pageSize)}`, 'TSVRaw');
      let n = 0;
      for (const line of text.split('\n')) {
        if (line === '') continue;
        cursor = JSON.parse(line) as MeridianEvent;
        n++;
        yield cursor;
      }
      if (n < pageSize) break;
    }
  }
}
