import { afterAll, describe, expect, it } from 'vitest';
import { createInstrumentation, silentLogger, type InstrumentationEvents } from '../../../src/core/index.ts';
import { clickHouseUrlOptions, createClickHouseEventStore, openEventStore, type ClickHouseEventStoreOptions, type EventStore } from '../../../src/event-store/index.ts';
import { eventStoreContract } from '../../contracts/event-store.contract.ts';
import { refusedRowsContract } from '../../contracts/event-store-refusals.contract.ts';
import { uniquePrefix, waitFor } from '../../support/helpers.ts';
import { view } from '../../support/samples.ts';
import { clickhouseTestUrl } from '../../support/services.ts';

const SERVER = clickhouseTestUrl();
const url: string = SERVER;

// One database per test file, dropped at the end; tenants are unique per test inside it.
const database = uniquePrefix('meridian_test').replace(/-/g, '_');
const instrumentation = createInstrumentation();
const base = { url, database, logger: silentLogger, instrumentation };

afterAll(async () => {
  await fetch(url, { method: 'POST', body: `DROP DATABASE IF EXISTS ${database}` });
});

// A small page, so the contract's large scan crosses many pages and day windows.
eventStoreContract('clickhouse', () => createClickHouseEventStore({ ...base, pageSize: 1000 }));
refusedRowsContract('clickhouse', (rejected) => createClickHouseEventStore({ ...base, flushIntervalMs: 3_600_000, rejected }));

describe('clickhouse event store', () => {
  const stores: EventStore[] = [];
  const open = async (opts: Partial<ClickHouseEventStoreOptions> = {}): Promise<EventStore> => {
    const store = await createClickHouseEventStore({ ...base, ...opts });
    stores.push(store);
    return store;
  };
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
  });

  it('inserts once a batch is full, reporting the flush and each call to the server', async () => {
    const flushed: InstrumentationEvents['eventstore.flushed'][] = [];
    const calls: InstrumentationEvents['service.call'][] = [];
    const offFlushed = instrumentation.on('eventstore.flushed', (p) => flushed.push(p));
    const offCalls = instrumentation.on('service.call', (p) => calls.push(p));
    const store = await open({ batchSize: 10, flushIntervalMs: 3_600_000 });
    const tenant = uniquePrefix('ch');
    await store.append(Array.from({ length: 9 }, (_, i) => view(tenant, i)));
    expect(await store.count({ tenant })).toBe(0);
    await store.append([view(tenant, 9)]);
    expect(await store.count({ tenant })).toBe(10);
    offFlushed();
    offCalls();
    expect(flushed).toEqual([expect.objectContaining({ events: 10, ok: true })]);
    expect(calls.filter((c) => c.op === 'insert')).toEqual([expect.objectContaining({ service: 'clickhouse', ok: true })]);
    expect(calls.filter((c) => c.op === 'command').length).toBeGreaterThan(0); // schema at start
  });

  it('inserts pending events on the timer', async () => {
    const store = await open({ flushIntervalMs: 20 });
    const tenant = uniquePrefix('ch');
    await store.append([view(tenant, 1)]);
    await waitFor(async () => (await store.count({ tenant })) === 1, { what: 'timed flush' });
  });

  it('accepts one batch spanning months, and orders times beyond the Date range last', async () => {
    const store = await open();
    const tenant = uniquePrefix('ch');
    const day = 86_400_000;
    const spread = Array.from({ length: 120 }, (_, i) => view(tenant, i, { ts: 1_600_000_000_000 + ((i * 7919) % 120) * day }));
    const far = [view(tenant, 1000, { ts: 6_000_000_000_000 }), view(tenant, 1001, { ts: 8_640_000_000_000_000 }), view(tenant, 1002, { ts: 0 })];
    await store.append([...spread, ...far]);
    await store.flush();
    const ts: number[] = [];
    for await (const e of store.scan({ tenant })) ts.push(e.ts);
    expect(ts).toHaveLength(123);
    expect(ts).toEqual([...ts].sort((a, b) => a - b));
    expect(ts.slice(-2)).toEqual([6_000_000_000_000, 8_640_000_000_000_000]);
    expect(await store.count({ tenant, from: 5_000_000_000_000 })).toBe(2);
  });

  it('is opened by a clickhouse:// URL naming the database and table; closed stores refuse work', async () => {
    const host = new URL(url);
    const table = 'events_by_url';
    const store = await openEventStore(`clickhouse://${host.hostname}:${host.port}/${database}?table=${table}`, { logger: silentLogger, instrumentation });
    expect(store.kind).toBe('clickhouse');
    const tenant = uniquePrefix('ch');
    await store.append([view(tenant, 1)]);
    await store.close();
    const tables = await (await fetch(url, { method: 'POST', body: `SELECT count() FROM ${database}.${table} WHERE tenant = '${tenant}'` })).text();
    expect(tables.trim()).toBe('1'); // close flushed into the named table
    expect(await store.ping()).toBe(false);
    await expect(store.append([view(tenant, 2)])).rejects.toMatchObject({ code: 'event_store_closed' });
    await expect(store.count({ tenant })).rejects.toMatchObject({ code: 'event_store_closed' });
  });

  it('reads user, password, database, table and TLS from the URL', () => {
    expect(clickHouseUrlOptions('clickhouse://ana:p%40ss@ch.example:9000/analytics?table=ev')).toEqual({
      url: 'http://ch.example:9000',
      username: 'ana',
      password: 'p@ss',
      database: 'analytics',
      table: 'ev',
    });
    expect(clickHouseUrlOptions('clickhouse://ch.example?secure=1')).toEqual({ url: 'https://ch.example:8443' });
    expect(clickHouseUrlOptions('clickhouse://ch.example')).toEqual({ url: 'http://ch.example:8123' });
    expect(clickHouseUrlOptions('https://ch.example/db')).toEqual({ url: 'https://ch.example', database: 'db' });
  });

  it('fails fast on bad options, before touching the server', async () => {
    await expect(createClickHouseEventStore({ ...base, batchSize: 0 })).rejects.toMatchObject({ code: 'config_invalid' });
    await expect(createClickHouseEventStore({ ...base, table: 'events; DROP TABLE x' })).rejects.toMatchObject({ code: 'config_invalid' });
    await expect(createClickHouseEventStore({ ...base, url: 'ftp://x' })).rejects.toMatchObject({ code: 'config_invalid' });
    await expect(createClickHouseEventStore({ ...base, retries: -1 })).rejects.toMatchObject({ code: 'config_invalid' });
  });

  it('fails to open with a retriable error when no server answers', async () => {
    const started = Date.now();
    await expect(createClickHouseEventStore({ ...base, url: 'http://127.0.0.1:1', retries: 1, retryBaseMs: 10 })).rejects.toMatchObject({
      code: 'event_store_unavailable',
      retriable: true,
    });
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
