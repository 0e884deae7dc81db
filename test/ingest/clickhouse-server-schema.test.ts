import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from 'chdb';
import { createInstrumentation, silentLogger } from '../../src/core/index.ts';
import { createClickHouseEventStore, type EventStore } from '../../src/ingest/index.ts';
import { openClickHouseEventStore } from '../../src/ingest/clickhouse-event-store.ts';
import { EVENTS_MIGRATIONS, createEventsTableSql, detectServer, type Migration } from '../../src/ingest/clickhouse-server-schema.ts';
import type { ClickHouseTransport } from '../../src/ingest/clickhouse-server-transport.ts';
import { eventStoreContract } from '../contracts/event-store.contract.ts';
import { tempDir, uniquePrefix } from '../helpers.ts';
import { view } from './samples.ts';

const SERVER = process.env.MERIDIAN_TEST_CLICKHOUSE_URL;
if (SERVER === undefined || SERVER === '') {
  throw new Error('MERIDIAN_TEST_CLICKHOUSE_URL is not set: run the tests with `npm test`, which starts ClickHouse and sets it');
}
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

  it('creates the database and table at start and records version 1; a migration the server cannot run waits', async () => {
    const db = fresh();
    await open(db);
    expect(await versionsOf(db)).toEqual([1]); // 18.16 has no non_replicated_deduplication_window: 2 waits
    const ddl = await sql(`SHOW CREATE TABLE ${db}.events`);
    expect(ddl).toContain('PARTITION BY day');
    expect(ddl).toContain('ORDER BY (tenant, shopper, ts, id)');
    await open(db); // a second start records nothing twice
    expect(await versionsOf(db)).toEqual([1]);
  });

  it('adopts an events table made before migrations existed, with its rows', async () => {
    const db = fresh();
    const server = await detectServer({ run: (_op, s) => sql(s), ping: async () => true, close: async () => {} });
    await sql(`CREATE DATABASE ${db}`);
    await sql(createEventsTableSql(`${db}.events`, server));
    const e = view('legacy', 1);
    await sql(`INSERT INTO ${db}.events (tenant, id, type, market, shopper, item, ts, day, body) VALUES ('legacy', '${e.id}', 'view', 'DE', 'u:u1', 'sku-1', ${e.ts}, '2023-11-14', '${JSON.stringify(e)}')`);
    const store = await open(db);
    const seen = [];
    for await (const x of store.scan({ tenant: 'legacy' })) seen.push(x);
    expect(seen).toEqual([e]);
    expect(await versionsOf(db)).toEqual([1]);
  });

  it('runs a migration added by a later build once, in order', async () => {
    const db = fresh();
    await open(db);
    // No IF NOT EXISTS: running it twice would fail, so a second start proves it ran once.
    const later: Migration = { version: 3, name: 'add a note column', statements: (t) => [`ALTER TABLE ${t.name} ADD COLUMN note String DEFAULT ''`] };
    const store = await open(db, [...EVENTS_MIGRATIONS, later]);
    await open(db, [...EVENTS_MIGRATIONS, later]);
    expect(await versionsOf(db)).toEqual([1, 3]);
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
    await expect(open(newer)).rejects.toMatchObject({ code: 'eventstore_schema_newer', message: expect.stringContaining('99') });
    const foreign = fresh();
    await sql(`CREATE DATABASE ${foreign}`);
    await sql(`CREATE TABLE ${foreign}.events (tenant String, id UInt64) ENGINE = Memory`);
    await expect(open(foreign)).rejects.toMatchObject({ code: 'eventstore_schema_mismatch', message: expect.stringContaining('id is UInt64') });
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
    expect((await transport.run('query', "SELECT version FROM modern.schema_version WHERE target = 'events' ORDER BY version FORMAT TSV")).split('\n')).toEqual(['1', '2', '']);
    const ddl = await transport.run('query', 'SHOW CREATE TABLE modern.events FORMAT TSVRaw');
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
