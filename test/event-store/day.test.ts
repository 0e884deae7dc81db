import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInstrumentation, silentLogger } from '../../src/core/index.ts';
import { createChdbEventStore, createClickHouseEventStore, type EventStore } from '../../src/event-store/index.ts';
import { type MeridianEvent } from '../../src/ingest/index.ts';
import { MAX_DAY_TS, dayOf, eventRow } from '../../src/event-store/sql.ts';
import { tempDir, uniquePrefix } from '../support/helpers.ts';
import { view } from '../support/samples.ts';
import { clickhouseTestUrl } from '../support/services.ts';

// The `day` of an event, stored by the embedded store (chDB, from the column's DEFAULT) and by the
// server (18.16, sent by the writer), must be one: scans page by day on both.
const SERVER = clickhouseTestUrl();
const url: string = SERVER;
const database = uniquePrefix('meridian_test').replace(/-/g, '_');
const instrumentation = createInstrumentation();
const DAY = 86_400_000;

async function server(statement: string): Promise<string> {
  const res = await fetch(url, { method: 'POST', body: statement });
  const text = await res.text();
  if (!res.ok) throw new Error(`${statement}: ${text}`);
  return text;
}

/** Runs one query on the chDB directory (no store may have it open: chDB allows one session). */
async function chdb(dir: string, statement: string): Promise<string> {
  const { Session } = await import('chdb');
  const session = new Session(dir);
  try {
    return (await session.queryAsync(statement, { format: 'TabSeparated' })).text();
  } finally {
    session.close();
  }
}

/** Event id -> day number (days since 1970-01-01; 18.x prints day 0 as 0000-00-00, so compare numbers). */
const days = (text: string): Record<string, number> =>
  Object.fromEntries(text.split('\n').filter((l) => l !== '').map((l) => l.split('\t')).map(([id, day]) => [id as string, Number(day)]));
const daysSql = (table: string, tenant: string): string => `SELECT id, toUInt16(day) FROM ${table} FINAL WHERE tenant = '${tenant}' ORDER BY id`;

async function scanTs(store: EventStore, tenant: string): Promise<number[]> {
  const out: number[] = [];
  for await (const e of store.scan({ tenant })) out.push(e.ts);
  return out;
}

/** Event times on both sides of every cap a ClickHouse has had: this one, 18.x's printing, current Date's. */
const LATE = [
  0,
  1,
  1_772_343_231_291,
  MAX_DAY_TS - DAY,
  MAX_DAY_TS,
  MAX_DAY_TS + 1,
  Date.UTC(2106, 0, 15),
  49_711 * DAY - 1,
  49_711 * DAY,
  65_535 * DAY - 1,
  6_000_000_000_000,
  8_640_000_000_000_000,
];
const expectedDay = (ts: number): number => Math.floor(Math.min(ts, MAX_DAY_TS) / DAY);

let dir = '';
let cleanup: () => Promise<void> = async () => undefined;
// Events of an earlier version's chDB table, which capped `day` at 2149-06-05.
const legacyTenant = uniquePrefix('legacy');
const legacy = LATE.map((ts, i) => view(legacyTenant, i, { ts }));
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('meridian-day-'));
  const { Session } = await import('chdb');
  const session = new Session(dir);
  try {
    await session.queryAsync(`CREATE TABLE events (
      tenant LowCardinality(String), id String, type LowCardinality(String), market LowCardinality(String),
      shopper String, item String, ts Int64,
      day Date DEFAULT toDate(fromUnixTimestamp64Milli(least(ts, ${65_535 * DAY - 1}), 'UTC')), body String
    ) ENGINE = ReplacingMergeTree PARTITION BY day ORDER BY (tenant, shopper, ts, id)`);
    await session.queryAsync(`INSERT INTO events FORMAT JSONEachRow\n${legacy.map(eventRow).join('\n')}`);
  } finally {
    session.close();
  }
});
afterAll(async () => {
  await cleanup();
  await server(`DROP DATABASE IF EXISTS ${database}`);
});

describe('the day of an event', () => {
  it('is the day of its time in UTC, capped at 2105-12-31, the last day 18.x parses', async () => {
    expect(dayOf(MAX_DAY_TS)).toBe('2105-12-31');
    expect(dayOf(MAX_DAY_TS + 1)).toBe('2105-12-31');
    expect(dayOf(0)).toBe('1970-01-01');
    // What the server makes of the cap's day, printed and parsed back.
    expect(await server(`SELECT toUInt16(toDate('${dayOf(MAX_DAY_TS)}')), toString(toDate(toUInt16(${expectedDay(MAX_DAY_TS)})))`)).toBe(
      `${expectedDay(MAX_DAY_TS)}\t2105-12-31\n`,
    );
  });

  it('is the same on chDB and on the server for every event, late ones and ts 0 included', async () => {
    const tenant = uniquePrefix('day');
    const events: MeridianEvent[] = LATE.map((ts, i) => view(tenant, i, { ts }));
    // Small pages: a scan crosses a day window between most events.
    const embedded = await createChdbEventStore({ path: dir, logger: silentLogger, instrumentation, pageSize: 2 });
    const remote = await createClickHouseEventStore({ url, database, logger: silentLogger, instrumentation, pageSize: 2 });
    try {
      for (const store of [embedded, remote]) {
        await store.append(events);
        await store.flush();
        expect(await scanTs(store, tenant), store.kind).toEqual(LATE);
      }
    } finally {
      await embedded.close();
      await remote.close();
    }
    const expected = Object.fromEntries(events.map((e) => [e.id, expectedDay(e.ts)]));
    expect(days(await chdb(dir, daysSql('events', tenant)))).toEqual(expected);
    expect(days(await server(daysSql(`${database}.events`, tenant)))).toEqual(expected);
  });

  it('of a chDB table made with the earlier cap is moved to this one at open, and every event is scanned in order', async () => {
    const store = await createChdbEventStore({ path: dir, logger: silentLogger, instrumentation, pageSize: 2 });
    try {
      expect(await scanTs(store, legacyTenant)).toEqual(LATE);
      expect(await store.count({ tenant: legacyTenant })).toBe(LATE.length);
    } finally {
      await store.close();
    }
    expect(days(await chdb(dir, daysSql('events', legacyTenant)))).toEqual(Object.fromEntries(legacy.map((e) => [e.id, expectedDay(e.ts)])));
    expect(await chdb(dir, `SELECT count() FROM system.columns WHERE database = currentDatabase() AND table = 'events' AND name = 'day' AND default_expression LIKE '%${MAX_DAY_TS}%'`)).toBe('1\n');
  });
});
