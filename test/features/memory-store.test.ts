import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, silentLogger } from '../../src/core/index.ts';
import {
  createMemoryFeatureStore,
  openMemoryFeatureStore,
  type FeatureStore,
  type Update,
} from '../../src/features/index.ts';
import { catalogItem, featureStoreContract } from '../contracts/feature-store.contract.ts';
import { tempDir } from '../helpers.ts';

featureStoreContract('memory', async () => createMemoryFeatureStore({ logger: silentLogger }));

/** Every read a caller can make, for comparing a store before and after a restore. */
async function answers(store: FeatureStore): Promise<unknown> {
  const items: unknown[] = [];
  for await (const item of store.allItems()) items.push(item);
  return {
    users: await Promise.all(['u:1', 'u:2', 's:3'].map((u) => store.getUser(u))),
    items: items.sort((a, b) => ((a as { id: string }).id < (b as { id: string }).id ? -1 : 1)),
    count: await store.itemCount(),
    stats: await store.getItemStats('a'),
    trendingDE: await store.topTrending('DE', 10),
    trendingFR: await store.topTrending('FR', 10),
    viewA: await store.topCooc('view', 'a', 10),
    buyB: await store.topCooc('buy', 'b', 10),
    clicks: await store.topQueryClicks('shoe', 10),
    applied: await Promise.all(['e1', 'e2', 'e3', 'e4', 'nope'].map((id) => store.hasApplied(id))),
  };
}

async function fill(store: FeatureStore): Promise<void> {
  const vec = Float32Array.from([0.25, -1e-39, 7.125, 1 / 3]);
  const t = 1_750_000_000_000;
  const batch: { eventId: string; updates: Update[] }[] = [
    {
      eventId: 'e1',
      updates: [
        { op: 'item.put', item: catalogItem('a', { titles: { ja: '靴 ランニング', en: 'Shoe' } }) },
        { op: 'item.put', item: catalogItem('b', { brand: undefined, descriptions: {} }) },
      ],
    },
    {
      eventId: 'e2',
      updates: [
        { op: 'user.push', user: 'u:1', item: 'a', kind: 'view', ts: t, max: 5 },
        { op: 'user.count', user: 'u:1', kind: 'view', ts: t },
        { op: 'user.vector', user: 'u:1', vector: vec },
        { op: 'item.trend', market: 'DE', item: 'a', weight: 1, ts: t, halfLifeMs: 86_400_000 },
        { op: 'item.trend', market: 'FR', item: 'b', weight: 2, ts: t, halfLifeMs: 86_400_000 },
      ],
    },
    {
      eventId: 'e3',
      updates: [
        { op: 'user.purchase', user: 's:3', item: 'b', max: 5 },
        { op: 'item.cooc', rel: 'view', a: 'a', b: 'b', by: 2, max: 5 },
        { op: 'item.cooc', rel: 'buy', a: 'b', b: 'a', by: 1, max: 5 },
        { op: 'item.review', item: 'a', rating: 4, sentiment: 0.3 },
        { op: 'query.click', token: 'shoe', item: 'a', by: 1, max: 5 },
        { op: 'item.trend', market: 'DE', item: 'b', weight: 5, ts: t + 1, halfLifeMs: 86_400_000 },
      ],
    },
  ];
  await store.apply(batch);
}

describe('memory feature store', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(async () => {
    await cleanup();
  });

  it('restores the same answers from a flushed snapshot', async () => {
    const snapshotPath = join(dir, 'nested', 'default.snapshot');
    const a = await openMemoryFeatureStore({ snapshotPath, logger: silentLogger });
    await fill(a);
    await a.flush();
    const before = await answers(a);
    await a.close();

    const b = await openMemoryFeatureStore({ snapshotPath, logger: silentLogger });
    expect(await answers(b)).toEqual(before);
    const v = (await b.getUser('u:1'))?.vector;
    expect(Array.from(v ?? [])).toEqual(Array.from(Float32Array.from([0.25, -1e-39, 7.125, 1 / 3])));
    // The restored store keeps working: duplicates stay duplicates, trending keeps its order.
    expect(await b.apply([{ eventId: 'e2', updates: [] }, { eventId: 'e4', updates: [] }])).toEqual([false, true]);
    await b.apply([{ eventId: 'e5', updates: [{ op: 'item.trend', market: 'DE', item: 'c', weight: 1, ts: 0, halfLifeMs: 86_400_000 }] }]);
    expect((await b.topTrending('DE', 10)).map((s) => s.id)).toEqual(['b', 'a', 'c']);
    await b.close();
  });

  it('writes atomically: no temporary file is left and a reopen sees the last flush', async () => {
    const snapshotPath = join(dir, 's.snapshot');
    const a = await openMemoryFeatureStore({ snapshotPath, logger: silentLogger });
    await fill(a);
    await Promise.all([a.flush(), a.flush()]);
    await a.apply([{ eventId: 'late', updates: [{ op: 'item.delete', item: 'b' }] }]);
    await a.flush();
    await a.close();
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(dir)).toEqual(['s.snapshot']);
    const b = await openMemoryFeatureStore({ snapshotPath, logger: silentLogger });
    expect(await b.itemCount()).toBe(1);
    expect(await b.hasApplied('late')).toBe(true);
    await b.close();
  });

  it('refuses a cut, foreign or newer snapshot with a clear error', async () => {
    const snapshotPath = join(dir, 's.snapshot');
    const a = await openMemoryFeatureStore({ snapshotPath, logger: silentLogger });
    await fill(a);
    await a.flush();
    await a.close();
    const text = await readFile(snapshotPath, 'utf8');
    const lines = text.trimEnd().split('\n');
    await writeFile(snapshotPath, lines.slice(0, -1).join('\n') + '\n');
    await expect(openMemoryFeatureStore({ snapshotPath, logger: silentLogger })).rejects.toMatchObject({
      code: 'feature_store_snapshot_corrupt',
      message: expect.stringContaining('cut short') as unknown,
    });
    await writeFile(snapshotPath, JSON.stringify({ format: 'meridian.feature-store.memory', version: 99 }) + '\n');
    await expect(openMemoryFeatureStore({ snapshotPath, logger: silentLogger })).rejects.toMatchObject({
      message: expect.stringContaining('version 99') as unknown,
    });
    await writeFile(snapshotPath, '{"hello":1}\n');
    await expect(openMemoryFeatureStore({ snapshotPath, logger: silentLogger })).rejects.toMatchObject({
      code: 'feature_store_snapshot_corrupt',
    });
  });

  it('will not start empty over an existing snapshot', async () => {
    const snapshotPath = join(dir, 's.snapshot');
    const a = createMemoryFeatureStore({ snapshotPath, logger: silentLogger });
    await a.flush();
    await a.close();
    expect(() => createMemoryFeatureStore({ snapshotPath, logger: silentLogger })).toThrow(/openMemoryFeatureStore/);
  });

  it('forgets the oldest event ids past appliedIdsLimit', async () => {
    const store = createMemoryFeatureStore({ logger: silentLogger, appliedIdsLimit: 3 });
    await store.apply(['a', 'b', 'c', 'd'].map((eventId) => ({ eventId, updates: [] })));
    expect(await Promise.all(['a', 'b', 'c', 'd'].map((id) => store.hasApplied(id)))).toEqual([false, true, true, true]);
    expect(await store.apply([{ eventId: 'a', updates: [] }, { eventId: 'd', updates: [] }])).toEqual([true, false]);
    await store.close();
  });

  it('keeps trending exact beyond the kept top list and after deletes', async () => {
    const store = createMemoryFeatureStore({ logger: silentLogger, trendingTopK: 2 });
    const trend = (item: string, weight: number): Update => ({ op: 'item.trend', market: 'DE', item, weight, ts: 0, halfLifeMs: 1000 });
    await store.apply([{ eventId: '1', updates: [trend('a', 1), trend('b', 2), trend('c', 3), trend('d', 4)] }]);
    expect((await store.topTrending('DE', 10)).map((s) => s.id)).toEqual(['d', 'c', 'b', 'a']);
    await store.apply([{ eventId: '2', updates: [{ op: 'item.delete', item: 'd' }, trend('a', 9)] }]);
    expect((await store.topTrending('DE', 2)).map((s) => s.id)).toEqual(['a', 'c']);
    await store.close();
  });

  it('says once at start that it is not for production, and rejects bad options', () => {
    const lines: string[] = [];
    const store = createMemoryFeatureStore({ logger: createLogger({ level: 'warn', write: (l) => lines.push(l) }) });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/not for production/);
    void store.close();
    expect(() => createMemoryFeatureStore({ logger: silentLogger, appliedIdsLimit: 0 })).toThrow(/appliedIdsLimit/);
    expect(() => createMemoryFeatureStore({ logger: silentLogger, trendingTopK: 1.5 })).toThrow(/trendingTopK/);
  });

  it('refuses writes after close', async () => {
    const store = createMemoryFeatureStore({ logger: silentLogger });
    await store.close();
    await expect(store.apply([{ eventId: 'x', updates: [] }])).rejects.toMatchObject({ code: 'feature_store_closed' });
    expect(await store.ping()).toBe(false);
  });
});
