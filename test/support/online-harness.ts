import { join } from 'node:path';
import { createInstrumentation, silentLogger, type InstrumentationEvents } from '../../src/core/index.ts';
import { createMemoryFeatureStore, openMemoryFeatureStore, type FeatureStore } from '../../src/feature-store/index.ts';
import { createBm25Index, createExactVectorIndex } from '../../src/index/index.ts';
import { createMemoryEventStore, type EventStore } from '../../src/event-store/index.ts';
import { type MeridianEvent } from '../../src/ingest/index.ts';
import { createDecayMixEncoder, createHashedContentEncoder } from '../../src/models/index.ts';
import { createOnlineUpdater, createTenants, type OnlineUpdater, type OnlineUpdaterOptions, type Tenants } from '../../src/online/index.ts';

export const DIM = 32;
export const T0 = 1_750_000_000_000;
export const MIN = 60_000;

export interface Harness {
  tenants: Tenants;
  updater: OnlineUpdater;
  eventStore: EventStore;
  appended: MeridianEvent[][];
  applied: InstrumentationEvents['online.applied'][];
  content: ReturnType<typeof createHashedContentEncoder>;
  encoder: ReturnType<typeof createDecayMixEncoder>;
  close(): Promise<void>;
}

/** The online path with embedded adapters; `dir` gives each tenant a snapshot file there. */
export function harness({ dir, now = () => T0 + 5_000, options }: { dir?: string; now?: () => number; options?: OnlineUpdaterOptions } = {}): Harness {
  const content = createHashedContentEncoder({ dim: DIM });
  const encoder = createDecayMixEncoder({ dim: DIM });
  const instrumentation = createInstrumentation();
  const applied: InstrumentationEvents['online.applied'][] = [];
  instrumentation.on('online.applied', (p) => applied.push(p));
  const inner = createMemoryEventStore();
  const appended: MeridianEvent[][] = [];
  const eventStore: EventStore = {
    ...inner,
    append: (events) => {
      appended.push([...events]);
      return inner.append(events);
    },
  };
  const makeStore = (tenant: string): Promise<FeatureStore> =>
    dir === undefined
      ? Promise.resolve(createMemoryFeatureStore({ logger: silentLogger }))
      : openMemoryFeatureStore({ logger: silentLogger, snapshotPath: join(dir, `${tenant}.snapshot`) });
  const tenants = createTenants({
    makeStore,
    makeVectors: () => createExactVectorIndex({ dim: DIM }),
    makeLexical: () => createBm25Index(),
    content,
  });
  const updater = createOnlineUpdater({ tenants, encoder, content, eventStore, instrumentation, logger: silentLogger, now, ...(options ? { options } : {}) });
  return { tenants, updater, eventStore, appended, applied, content, encoder, close: () => tenants.close() };
}

let seq = 0;
const base = { tenant: 'default', market: 'DE', locale: 'de-DE' } as const;

export function upsert(id: string, over: Record<string, unknown> = {}): MeridianEvent {
  return {
    ...base,
    id: `up-${id}-${++seq}`,
    type: 'item_upsert',
    ts: T0,
    item_id: id,
    titles: { en: `Item ${id}` },
    category: 'shoes',
    prices: { DE: { amount: 10, currency: 'EUR' } },
    available_in: ['DE'],
    ...over,
  } as MeridianEvent;
}

export function shopper(type: string, item: string, ts: number, over: Record<string, unknown> = {}): MeridianEvent {
  const extra =
    type === 'purchase' ? { quantity: 1, price: 10, currency: 'EUR' } : type === 'review' ? { rating: 5, text: 'great' } : {};
  return { ...base, id: `${type}-${item}-${ts}-${++seq}`, type, ts, user_id: 'u1', item_id: item, ...extra, ...over } as MeridianEvent;
}

export function search(query: string, clicked: string | undefined, ts: number): MeridianEvent {
  return {
    ...base,
    id: `search-${ts}-${++seq}`,
    type: 'search',
    ts,
    user_id: 'u1',
    query,
    results: clicked === undefined ? [] : [clicked],
    ...(clicked === undefined ? {} : { clicked_item_id: clicked }),
  };
}
