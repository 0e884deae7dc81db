import { describe, expect, it } from 'vitest';
import { createInstrumentation, silentLogger } from '../../src/core/index.ts';
import { createMemoryFeatureStore } from '../../src/feature-store/index.ts';
import { createBm25Index, createExactVectorIndex } from '../../src/index/index.ts';
import { createMemoryEventStore } from '../../src/event-store/index.ts';
import { type BusRecord } from '../../src/bus/index.ts';
import { type MeridianEvent } from '../../src/ingest/index.ts';
import { catalogFollower } from '../../src/online/index.ts';
import { createHashedContentEncoder, createOnlineSequence, createThreadedSequence, inlineSequence, restoreInto, type SequenceService } from '../../src/models/index.ts';
import { createTenants } from '../../src/online/index.ts';
import { createCatalog, createShoppers, createTraffic } from '../../src/simulate/index.ts';

const T0 = Date.UTC(2026, 6, 1);

const services: Record<string, () => SequenceService> = {
  'in the serving thread': () => inlineSequence(createOnlineSequence()),
  'on its own thread': () => createThreadedSequence({ logger: silentLogger }),
};

describe.each(Object.keys(services))("a serving replica's sequence model on a shared topic, %s", (where) => {
  it('rebuilt from the event store and then following a topic that overlaps it, it counts every event once', async () => {
    const catalog = createCatalog({ seed: 4, items: 80, ts: T0 });
    const traffic = [...createTraffic({ seed: 4, catalog, shoppers: createShoppers({ seed: 4, users: 25 }), start: T0 + 60_000, events: 1500 })];
    const events = [...catalog, ...traffic] as MeridianEvent[];
    // The worker has stored two thirds when the replica starts; the topic replays from one third.
    const store = createMemoryEventStore();
    await store.append(events.slice(0, Math.floor((events.length * 2) / 3)));
    const content = createHashedContentEncoder({ dim: 16 });
    const tenants = createTenants({
      makeStore: async () => createMemoryFeatureStore({ logger: silentLogger }),
      makeVectors: () => createExactVectorIndex({ dim: 16 }),
      makeLexical: () => createBm25Index(),
      content,
      makeSequence: (tenant) => restoreInto((services[where] as () => SequenceService)(), store.scan({ tenant })),
    });
    try {
      const follow = catalogFollower({ tenants, content, instrumentation: createInstrumentation() });
      const from = Math.floor(events.length / 3);
      const records: BusRecord[] = events.slice(from).map((event, i) => ({ event, offset: from + i, partition: 0 }));
      for (let i = 0; i < records.length; i += 200) await follow(records.slice(i, i + 200));

      const once = createOnlineSequence();
      for (const e of events) once.observe(e);
      const ctx = await tenants.get('default');
      expect(await ctx.sequence?.size()).toEqual(once.size());
      const keys = [...new Set(traffic.map((e) => (e.user_id !== undefined ? `u:${e.user_id}` : `s:${e.session_id}`)))];
      expect(keys.length).toBeGreaterThan(20);
      for (const key of keys) {
        const history = once.history(key);
        // A shopper with no sequence gets no ranking of its own (recommendations fall back).
        expect(await ctx.sequence?.rank(key, 10, [], false)).toEqual({ history, hits: history.length === 0 ? [] : once.score(key, 10) });
      }
    } finally {
      await tenants.close();
      await store.close();
    }
  });
});
