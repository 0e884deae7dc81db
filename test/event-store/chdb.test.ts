import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInstrumentation, silentLogger, type InstrumentationEvents } from '../../src/core/index.ts';
import { createChdbEventStore, openEventStore, type EventStore } from '../../src/event-store/index.ts';
import { type MeridianEvent } from '../../src/ingest/index.ts';
import { eventStoreContract } from '../contracts/event-store.contract.ts';
import { refusedRowsContract } from '../contracts/event-store-refusals.contract.ts';
import { tempDir, uniquePrefix, waitFor } from '../support/helpers.ts';
import { eventRow } from '../../src/event-store/sql.ts';
import { view } from '../support/samples.ts';

// chDB allows one data directory per process: every store in this file opens the same one.
let dir = '';
let cleanup: () => Promise<void> = async () => undefined;
const legacy = [view('legacy-chdb', 1), view('legacy-chdb', 2)];
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('meridian-chdb-'));
  // The directory as an earlier version left it: a plain MergeTree events table holding an event twice.
  const { Session } = await import('chdb');
  const session = new Session(dir);
  try {
    await session.queryAsync(`CREATE TABLE events (
      tenant LowCardinality(String), id String, type LowCardinality(String), market LowCardinality(String),
      shopper String, item String, ts Int64,
      day Date DEFAULT toDate(fromUnixTimestamp64Milli(least(ts, ${65_535 * 86_400_000 - 1}), 'UTC')), body String
    ) ENGINE = MergeTree PARTITION BY day ORDER BY (tenant, shopper, ts, id)`);
    for (const e of [legacy[0], legacy[1], legacy[0]] as MeridianEvent[]) {
      await session.queryAsync(`INSERT INTO events FORMAT JSONEachRow\n${eventRow(e)}`);
    }
  } finally {
    session.close();
  }
});
afterAll(async () => {
  await cleanup();
});

const instrumentation = createInstrumentation();
// A small page, so the contract's large scan crosses many pages and day windows.
eventStoreContract('chdb', () => createChdbEventStore({ path: dir, logger: silentLogger, instrumentation, pageSize: 1000 }));
refusedRowsContract('chdb', (rejected) => createChdbEventStore({ path: dir, logger: silentLogger, instrumentation, flushIntervalMs: 3_600_000, rejected }));

describe('chdb event store', () => {
  const stores: EventStore[] = [];
  const open = async (opts: { batchSize?: number; flushIntervalMs?: number } = {}): Promise<EventStore> => {
    const store = await createChdbEventStore({ path: dir, logger: silentLogger, instrumentation, ...opts });
    stores.push(store);
    return store;
  };
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
  });

  it('migrates the events table of an earlier version (MergeTree) at open, its rows kept once', async () => {
    const store = await open();
    const seen: MeridianEvent[] = [];
    for await (const e of store.scan({ tenant: 'legacy-chdb' })) seen.push(e);
    expect(seen).toEqual(legacy);
    expect(await store.count({ tenant: 'legacy-chdb' })).toBe(2);
  });

  it('inserts once a batch is full and reports the flush', async () => {
    const flushed: InstrumentationEvents['eventstore.flushed'][] = [];
    const off = instrumentation.on('eventstore.flushed', (p) => flushed.push(p));
    const store = await open({ batchSize: 10, flushIntervalMs: 3_600_000 });
    const tenant = uniquePrefix('ch');
    await store.append(Array.from({ length: 9 }, (_, i) => view(tenant, i)));
    expect(await store.count({ tenant })).toBe(0);
    await store.append([view(tenant, 9)]);
    expect(await store.count({ tenant })).toBe(10);
    off();
    expect(flushed).toEqual([expect.objectContaining({ events: 10, ok: true })]);
  });

  it('inserts pending events on the timer', async () => {
    const store = await open({ flushIntervalMs: 20 });
    const tenant = uniquePrefix('ch');
    await store.append([view(tenant, 1)]);
    await waitFor(async () => (await store.count({ tenant })) === 1, { what: 'timed flush' });
  });

  it('accepts one batch spanning more than 100 days, and orders times beyond the Date range', async () => {
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
  });

  it('is opened by a chdb: URL; closed stores refuse work', async () => {
    const store = await openEventStore(`chdb:${dir}`, { logger: silentLogger, instrumentation });
    expect(store.kind).toBe('chdb');
    const tenant = uniquePrefix('ch');
    await store.append([view(tenant, 1) as MeridianEvent]);
    await store.close();
    expect(await store.ping()).toBe(false);
    await expect(store.append([view(tenant, 2)])).rejects.toMatchObject({ code: 'event_store_closed' });
    await expect(store.count({ tenant })).rejects.toMatchObject({ code: 'event_store_closed' });
  });

  it('fails fast on bad options', async () => {
    await expect(createChdbEventStore({ path: dir, logger: silentLogger, instrumentation, batchSize: 0 })).rejects.toMatchObject({ code: 'config_invalid' });
    await expect(createChdbEventStore({ path: '', logger: silentLogger, instrumentation })).rejects.toMatchObject({ code: 'config_invalid' });
  });
});
