import { afterEach, describe, expect, it } from 'vitest';
import { createCatalog, createShoppers, createTraffic } from '../../src/simulate/index.ts';
import { tempDir } from '../support/helpers.ts';
import { getJson, post, startEngine, type ListBody } from '../support/engine-harness.ts';

const T0 = Date.UTC(2026, 3, 1);

describe('state survives a graceful restart', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it('the snapshot restores shoppers and catalog, and the chDB event store kept every accepted event', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const overrides = { featureStore: `memory:${dir}/features`, eventStore: `chdb:${dir}/events` };
    const catalog = createCatalog({ seed: 5, items: 150, ts: T0 });
    const shoppers = createShoppers({ seed: 5, users: 30 });
    const user = shoppers.find((s) => !s.guest && s.market === 'FR')?.id ?? (shoppers[0]?.id as string);
    const events = [...catalog, ...createTraffic({ seed: 5, catalog, shoppers, start: T0 + 60_000, events: 1500 })];
    const queries = [
      `/v1/recommendations?user=${user}&market=FR&k=10`,
      '/v1/search?q=sac&market=FR&k=5',
      '/v1/items/sku-000003/similar?market=FR&k=5',
      '/v1/trending?market=FR&k=5',
    ];

    const first = await startEngine(overrides);
    expect(await post(first.app, events)).toBe(events.length);
    const before = await Promise.all(queries.map((q) => getJson<ListBody>(first.app, q)));
    await first.close();

    const second = await startEngine(overrides);
    try {
      const after = await Promise.all(queries.map((q) => getJson<ListBody>(second.app, q)));
      expect(after).toEqual(before);
      expect(before[0]?.items.length).toBe(10);
      // The ids are remembered too: the same log again changes nothing.
      const res = await second.app.inject({ method: 'POST', url: '/v1/events', payload: events.slice(0, 500) });
      expect((res.json() as { duplicates: number }).duplicates).toBe(500);
      expect(await second.rt.eventStore.count()).toBe(events.length);
    } finally {
      await second.close();
    }
  });
});
