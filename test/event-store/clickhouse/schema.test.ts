import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from 'chdb';
import { createInstrumentation, silentLogger } from '../../../src/core/index.ts';
import { createClickHouseEventStore, type EventStore } from '../../../src/event-store/index.ts';
import { type MeridianEvent } from '../../../src/ingest/index.ts';
import { openClickHouseEventStore } from '../../../src/event-store/clickhouse/store.ts';
import { EVENTS_MIGRATIONS, detectServer, type Migration } from '../../../src/event-store/clickhouse/schema.ts';
import { MAX_DAY_TS, createEventsTableSql } from '../../../src/event-store/sql.ts';
import type { ClickHouseTransport } from '../../../src/event-store/clickhouse/transport.ts';
import { eventStoreContract } from '../../contracts/event-store.contract.ts';
import { tempDir, uniquePrefix } from '../../support/helpers.ts';
import { view } from '../../support/samples.ts';
import { clickhouseTestUrl } from '../../support/services.ts';

const SERVER = clickhouseTestUrl();
const url: string = SERVER;
const instrumentation = createInstrumentation();

async function sql(statement: string): Promise<string> {
  const res = await fetch(url, { method: 'POST', body: statement });
  const text = await res.text();
  if (!res.ok) throw new Error(`${statement}: ${text}`);
  return text;
}

const versionsOf = async (database: string, table = 'events'): Promise<number[]> =>
  (await sql(`SELECT version FROM ${database}.schema_version WHERE target = '${table}' ORDER BY version`)).split('\n').filter((l) => l !== '').map(Number);

describe('clickhouse schema and migrations, on the test server', () => {
  const databases: string[] = [];
  const stores: EventStore[] = [];
  const fresh = (): string => {
    const db = uniquePrefix('meridian_test').replace(/-/g, '_');
    databases.push(db);
    return db;
  };
  const open = async (database: string, migrations?: readonly Migration[]): Promise<EventStore> => {
    const store = await createClickHouseEventStore({ url, database, logger: silentLogger, instrumentation, ...(migrations === undefined ? {} : { migrations }) });
    stores.push(store);
    return store;
  };
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    for (const db of databases) await sql(`DROP DATABASE IF EXISTS ${db}`);
  });

  /** The events table as versions before 3 made it: a plain MergeTree (String columns: 18.16 has no LowCardinality). */
  const legacyTable = (name: string): string => `CREATE TABLE ${name} (
  tenant String, id String, type String, market String, shopper String, item String, ts Int64,
  day Date DEFAULT toDate(toUInt16(intDiv(least(ts, toInt64(${MAX_DAY_TS})), 86400000))), body String
) ENGINE = MergeTree PARTITION BY day ORDER BY (tenant, shopper, ts, id)`;
  const insertRow = async (table: string, e: MeridianEvent): Promise<void> => {
    await sql(`INSERT INTO ${table} (tenant, id, type, market, shopper, item, ts, body) VALUES ('${e.tenant}', '${e.id}', 'view', 'DE', 'u:u1', 'sku-1', ${e.ts}, '${JSON.stringify(e)}')`);
  };
  const tablesOf = async (database: string): Promise<string[]> =>
    (await sql(`SELECT name, engine FROM system.tables WHERE database = '${database}' AND name LIKE 'events%' ORDER BY name`)).split('\n').filter((l) => l !== '');
  const scanAll = async (store: EventStore, tenant: string): Promise<MeridianEvent[]> => {
    const out: MeridianEvent[] = [];
    for await (const e of store.scan({ tenant })) out.push(e);
    return out;
  };

  it('creates the database and a ReplacingMergeTree table at start and records versions; a migration the server cannot run waits', async () => {
    const db = fresh();
    await open(db);
    expect(await versionsOf(db)).toEqual([1, 3]); // 18.16 has no non_replicated_deduplication_window: 2 waits
    const ddl = await sql(`SHOW CREATE TABLE ${db}.events`);
    expect(ddl).toContain('ReplacingMergeTree');
    expect(ddl).toContain('PARTITION BY day');
    expect(ddl).toContain('ORDER BY (tenant, shopper, ts, id)');
    await open(db); // a second start records nothing twice
    expect(await versionsOf(db)).toEqual([1, 3]);
  });

  it('adopts a MergeTree events table made before migrations existed, its rows copied to a ReplacingMergeTree', async () => {
    const db = fresh();
    await sql(`CREATE DATABASE ${db}`);
    await sql(legacyTable(`${db}.events`));
    const [a, b] = [view('legacy', 1), view('legacy', 2)];
    // The same event twice (a redelivery the old engine kept), in two parts.
    for (const e of [a, b, a]) await insertRow(`${db}.events`, e);
    const store = await open(db);
    expect(await scanAll(store, 'legacy')).toEqual([a, b]);
    expect(await store.count({ tenant: 'legacy' })).toBe(2);
    expect(await versionsOf(db)).toEqual([1, 3]);
    expect(await tablesOf(db)).toEqual(['events\tReplacingMergeTree']);
    await store.append([a, view('legacy', 3)]);
    await store.flush();
    expect(await store.count({ tenant: 'legacy' })).toBe(3);
  });

  it('finishes a migration cut short, before or after the tables were swapped', async () => {
    const [a, b] = [view('cut', 1), view('cut', 2)];
    // Cut before the swap: the old table has every row, the copy some.
    const before = fresh();
    await sql(`CREATE DATABASE ${before}`);
    await sql(legacyTable(`${before}.events`));
    for (const e of [a, b]) await insertRow(`${before}.events`, e);
    await sql(`CREATE TABLE ${before}.events__replacing AS ${before}.events ENGINE = ReplacingMergeTree PARTITION BY day ORDER BY (tenant, shopper, ts, id)`);
    await insertRow(`${before}.events__replacing`, a);
    // Cut after the swap: rows that reached the old table during the copy are only there.
    const after = fresh();
    const server = await detectServer({ run: (_op, s) => sql(s), ping: async () => true, close: async () => {} });
    await sql(`CREATE DATABASE ${after}`);
    await sql(createEventsTableSql(`${after}.events`, server));
    await insertRow(`${after}.events`, a);
    await sql(legacyTable(`${after}.events__merge_tree`));
    for (const e of [a, b]) await insertRow(`${after}.events__merge_tree`, e);
    for (const db of [before, after]) {
      const store = await open(db);
      expect(await scanAll(store, 'cut'), db).toEqual([a, b]);
      expect(await tablesOf(db)).toEqual(['events\tReplacingMergeTree']);
    }
  });

  it('runs a migration added by a later build once, in order', async () => {
    const db = fresh();
    await open(db);
    // No IF NOT EXISTS: running it twice would fail, so a second start proves it ran once.
    const later: Migration = { version: 4, name: 'add a note column', statements: (t) => [`ALTER TABLE ${t.name} ADD COLUMN note String DEFAULT ''`] };
    const store = await open(db, [...EVENTS_MIGRATIONS, later]);
    await open(db, [...EVENTS_MIGRATIONS, later]);
    expect(await versionsOf(db)).toEqual([1, 3, 4]);
    expect(await sql(`SELECT name FROM system.columns WHERE database = '${db}' AND table = 'events' AND name = 'note'`)).toBe('note\n');
    const tenant = uniquePrefix('mig');
    await store.append([view(tenant, 1)]);
    await store.flush();
    expect(await store.count({ tenant })).toBe(1);
  });

  it('refuses a table migrated by a newer build, and a table that is not an events table', async () => {
    const newer = fresh();
    await open(newer);
    await sql(`INSERT INTO ${newer}.schema_version (target, version, name) VALUES ('events', 99, 'from the future')`);
    await expect(open(newer)).rejects.toMatchObject({ code: 'event_store_schema_newer', message: expect.stringContaining('99') });
    const foreign = fresh();
    await sql(`CREATE DATABASE ${foreign}`);
    await sql(`CREATE TABLE ${foreign}.events (tenant String, id UInt64) ENGINE = Memory`);
    await expect(open(foreign)).rejects.toMatchObject({ code: 'event_store_schema_mismatch', message: expect.stringContaining('id is UInt64') });
  });
});

/**
 * The SQL the network adapter sends to a current server, run by the ClickHouse that chDB embeds
 * (26.7): the same statements, with settings inlined as a SETTINGS clause instead of HTTP
 * parameters.
 */
describe('the same SQL on current ClickHouse (chDB)', () => {
  let session: Session;
  let cleanup: () => Promise<void> = async () => undefined;
  const transport: ClickHouseTransport = {
    async run(_op, statement, opts = {}) {
      let q = statement;
      const settings = Object.entries(opts.settings ?? {});
      if (settings.length > 0) q = q.replace(/ FORMAT (\w+)$/, ` SETTINGS ${settings.map(([k, v]) => `${k} = ${v}`).join(', ')} FORMAT $1`);
      if (opts.body !== undefined) q += `\n${opts.body}`;
      return (await session.queryAsync(q)).text();
    },
    ping: async () => true,
    close: async () => {}, // the session is shared by the file
  };
  beforeAll(async () => {
    const { Session } = await import('chdb');
    const dir = await tempDir('meridian-chdb-server-sql-');
    cleanup = dir.cleanup;
    session = new Session(dir.dir);
  });
  afterAll(async () => {
    session.close();
    await cleanup();
  });

  const options = { database: 'meridian', logger: silentLogger, instrumentation, pageSize: 1000, asyncInsert: true };
  eventStoreContract('clickhouse SQL on chDB 26.7', () => openClickHouseEventStore(transport, options));

  it('detects the modern features and migrates to them', async () => {
    const server = await detectServer(transport);
    expect(server.version).toMatch(/^2\d\./);
    expect(server.lowCardinality).toBe(true);
    expect([...server.settings]).toEqual(expect.arrayContaining(['max_partitions_per_insert_block', 'async_insert']));
    const store = await openClickHouseEventStore(transport, { ...options, database: 'modern' });
    await store.close();
    expect((await transport.run('query', "SELECT version FROM modern.schema_version WHERE target = 'events' ORDER BY version FORMAT TSV")).split('\n')).toEqual(['1', '2', '3', '']);
    const ddl = await transport.run('query', 'SHOW CREATE TABLE modern.events FORMAT TSVRaw');
    expect(ddl).toContain('LowCardinality(String)');
    expect(ddl).toContain('ReplacingMergeTree');
    expect(ddl).toContain('non_replicated_deduplication_window = 1000');
  });

  it('migrates a version 2 table (MergeTree with the deduplication window) to a ReplacingMergeTree that keeps the window', async () => {
    const store = await openClickHouseEventStore(transport, { ...options, database: 'v2' });
    await store.close();
    // Back to what version 2 left: a MergeTree with LowCardinality columns and the window set.
    await transport.run('command', 'DROP TABLE v2.events');
    await transport.run('command', (await transport.run('query', 'SHOW CREATE TABLE modern.events FORMAT TSVRaw')).replace('modern.events', 'v2.events').replace('ReplacingMergeTree', 'MergeTree'));
    await transport.run('command', "ALTER TABLE v2.schema_version DELETE WHERE version = 3 SETTINGS mutations_sync = 1");
    const e = view('t', 1);
    const row = JSON.stringify({ tenant: 't', id: e.id, type: 'view', market: 'DE', shopper: 'u:u1', item: 'sku-1', ts: e.ts, body: JSON.stringify(e) });
    await transport.run('insert', 'INSERT INTO v2.events FORMAT JSONEachRow', { body: `${row}\n${row}` });
    const migrated = await openClickHouseEventStore(transport, { ...options, database: 'v2' });
    expect(await migrated.count({ tenant: 't' })).toBe(1);
    await migrated.close();
    const ddl = await transport.run('query', 'SHOW CREATE TABLE v2.events FORMAT TSVRaw');
    expect(ddl).toContain('ReplacingMergeTree');
    expect(ddl).toContain('LowCardinality(String)');
    expect(ddl).toContain('non_replicated_deduplication_window = 1000');
  });

  it('stores a retried insert of the same block once', async () => {
    const store = await openClickHouseEventStore(transport, { ...options, database: 'retried', asyncInsert: false });
    await store.close();
    const e = view('t', 1);
    const insert = `INSERT INTO retried.events (tenant, id, type, market, shopper, item, ts, day, body) FORMAT JSONEachRow`;
    const body = JSON.stringify({ tenant: 't', id: e.id, type: 'view', market: 'DE', shopper: 'u:u1', item: 'sku-1', ts: e.ts, day: '2023-11-14', body: JSON.stringify(e) });
    await transport.run('insert', insert, { body });
    await transport.run('insert', insert, { body });
    expect((await transport.run('query', 'SELECT count() FROM retried.events FORMAT TSV')).trim()).toBe('1');
  });
});
