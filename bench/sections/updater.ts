import { createInstrumentation, silentLogger } from '../../src/core/index.ts';
import { createMemoryEventStore } from '../../src/event-store/index.ts';
import { type MeridianEvent } from '../../src/ingest/index.ts';
import { openTenants } from '../../src/main/index.ts';
import { createOnlineUpdater, type OnlineUpdater } from '../../src/online/index.ts';
import { embeddedConfig, storefront } from '../harness/engine.ts';
import { profiled } from '../harness/profile.ts';
import { cpuMeter, nowMs, percentiles, round, rounded, type Percentiles } from '../harness/stats.ts';
import type { BenchOptions, Figure, Section } from '../harness/types.ts';

/**
 * The online updater alone, on the embedded memory feature store and memory event store, with the
 * encoders, index settings and sequence model thread of the default config: no HTTP, no
 * validation, no bus. A part's time runs until the sequence model has every event too. The catalog is
 * applied first (each upsert also inserts into the HNSW and BM25 indexes), then the shopper events,
 * each part timed on its own.
 */
export interface UpdaterPart {
  events: number;
  seconds: number;
  eventsPerSecond: number;
  microsPerEvent: number;
  /** CPU per event: what the events cost whatever else the machine runs (every thread: GC helpers included). */
  cpuMicrosPerEvent: number;
  /** CPU of the main thread alone per event (Linux schedstat), the thread the updater runs on; null elsewhere. */
  mainThreadCpuMicrosPerEvent: number | null;
  /** Of the time the thread was runnable, the share it waited for a core. */
  waitShare: number | null;
  /** Milliseconds per batch. */
  batchMs: Percentiles;
}

export interface UpdaterData {
  batch: number;
  catalog: UpdaterPart;
  shopperEvents: UpdaterPart;
  byType: Record<string, number>;
}

async function applyAll(updater: OnlineUpdater, events: readonly MeridianEvent[], batch: number, settled: () => Promise<void>): Promise<UpdaterPart> {
  const batches = new Float64Array(Math.ceil(events.length / batch));
  const meter = cpuMeter();
  const t0 = nowMs();
  for (let i = 0, b = 0; i < events.length; i += batch, b++) {
    const tb = nowMs();
    await updater.apply(events.slice(i, i + batch));
    batches[b] = nowMs() - tb;
  }
  // Applied means in the sequence model too, which may run on a thread of its own and lag a little.
  await settled();
  const seconds = (nowMs() - t0) / 1000;
  const usage = meter.stop();
  return {
    events: events.length,
    seconds: round(seconds),
    eventsPerSecond: round(events.length / seconds),
    microsPerEvent: round((seconds * 1e6) / events.length),
    cpuMicrosPerEvent: round((usage.processCpuSeconds * 1e6) / events.length),
    mainThreadCpuMicrosPerEvent: usage.mainThreadCpuSeconds === null ? null : round((usage.mainThreadCpuSeconds * 1e6) / events.length),
    waitShare: usage.mainThreadWaitShare,
    batchMs: rounded(percentiles(batches)),
  };
}

export async function runUpdaterBench(opts: BenchOptions): Promise<UpdaterData> {
  const size = opts.quick ? { items: 2_000, users: 2_000, events: 20_000 } : { items: 20_000, users: 20_000, events: 200_000 };
  const batch = 500;
  const { catalog, traffic } = storefront(opts.seed, size);
  const config = embeddedConfig();
  const instrumentation = createInstrumentation();
  const { tenants, content, encoder } = openTenants(config, { logger: silentLogger, instrumentation });
  const eventStore = createMemoryEventStore();
  const updater = createOnlineUpdater({ tenants, encoder, content, eventStore, instrumentation, logger: silentLogger });
  const settled = async (): Promise<void> => {
    for (const t of tenants.list()) await t.sequence?.settle(0);
  };
  try {
    opts.log(`updater: ${size.items} catalog upserts, then ${traffic.length} shopper events, batches of ${batch}`);
    const items = await profiled(opts.profileDir, 'updater-catalog', () => applyAll(updater, [...catalog], batch, settled));
    const shopperEvents = await profiled(opts.profileDir, 'updater-shopper-events', () => applyAll(updater, traffic, batch, settled));
    const byType: Record<string, number> = {};
    for (const e of traffic) byType[e.type] = (byType[e.type] ?? 0) + 1;
    return { batch, catalog: items, shopperEvents, byType };
  } finally {
    await tenants.close();
    await eventStore.close();
  }
}

function figures(d: UpdaterData): Figure[] {
  return [
    {
      key: 'updater.events_per_second',
      label: 'online updater, shopper events',
      value: d.shopperEvents.eventsPerSecond,
      unit: 'events/s',
      target: { op: '>=', value: 50_000 },
      note:
        `${d.shopperEvents.microsPerEvent} µs/event wall, ${d.shopperEvents.cpuMicrosPerEvent} µs CPU/event ` +
        `(main thread ${d.shopperEvents.mainThreadCpuMicrosPerEvent ?? 'n/a'} µs) ` +
        `(${round(1e6 / d.shopperEvents.cpuMicrosPerEvent)} events per CPU-second), ${d.shopperEvents.events} events in batches of ${d.batch}`,
    },
    {
      key: 'updater.catalog_per_second',
      label: 'online updater, catalog upserts (with index inserts)',
      value: d.catalog.eventsPerSecond,
      unit: 'events/s',
      note: `${d.catalog.microsPerEvent} µs/upsert wall, ${d.catalog.cpuMicrosPerEvent} µs CPU/upsert`,
    },
  ];
}

export const runUpdater: Section = async (opts) => {
  const data = await runUpdaterBench(opts);
  return { figures: figures(data), data };
};
