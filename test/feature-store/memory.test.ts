import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, createRng, silentLogger } from '../../src/core/index.ts';
import { createMemoryFeatureStore, openMemoryFeatureStore, type FeatureStore } from '../../src/feature-store/index.ts';
import { type Update } from '../../src/features/index.ts';
import { createAppliedIds } from '../../src/feature-store/memory/state.ts';
import { catalogItem, featureStoreContract } from '../contracts/feature-store.contract.ts';
import { tempDir } from '../support/helpers.ts';

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

/**
 * A snapshot as the store wrote it before its internals were reworked for speed: the format and
 * the order within it (history, neighbours in insertion order, trending in arrival order, applied
 * ids oldest first) are what a restore relies on, so today's store must write the same bytes.
 */
const GOLDEN_SNAPSHOT = [
  "{\"format\":\"meridian.feature-store.memory\",\"version\":1}",
  "[\"u\",\"u:1\",{\"recent\":[{\"item\":\"c\",\"type\":\"view\",\"ts\":1750000000001},{\"item\":\"b\",\"type\":\"click\",\"ts\":1750000000002},{\"item\":\"d\",\"type\":\"view\",\"ts\":1750000000003}],\"purchased\":[\"b\",\"a\"],\"counts\":{\"view\":1},\"vector\":\"AAAAPwAAAMDCFgEA\",\"lastTs\":1750000000003}]",
  "[\"s\",\"a\",1,4,-0.5]",
  "[\"t\",\"DE\",[[\"a\",486113.69607592665],[\"b\",486112.69607361185]]]",
  "[\"t\",\"FR\",[[\"c\",486112.1111111111]]]",
  "[\"c\",\"view\",\"a\",[[\"d\",1],[\"e\",1]]]",
  "[\"c\",\"buy\",\"b\",[[\"a\",1]]]",
  "[\"q\",\"shoe\",[[\"b\",2],[\"c\",1]]]",
  "[\"a\",[\"e2\",\"e3\",\"e4\",\"e5\"]]",
  "[\"end\",8]",
];

function goldenUpdates(): Update[] {
  const t = 1_750_000_000_000;
  const trend = (market: string, item: string, weight: number, ts: number): Update => ({ op: 'item.trend', market, item, weight, ts, halfLifeMs: 3_600_000 });
  const cooc = (rel: 'view' | 'buy', a: string, b: string, by: number): Update => ({ op: 'item.cooc', rel, a, b, by, max: 3 });
  return [
    { op: 'user.push', user: 'u:1', item: 'a', kind: 'view', ts: t, max: 3 },
    { op: 'user.push', user: 'u:1', item: 'b', kind: 'click', ts: t + 2, max: 3 },
    { op: 'user.push', user: 'u:1', item: 'c', kind: 'view', ts: t + 1, max: 3 },
    { op: 'user.push', user: 'u:1', item: 'd', kind: 'view', ts: t + 3, max: 3 },
    { op: 'user.count', user: 'u:1', kind: 'view', ts: t + 3 },
    { op: 'user.purchase', user: 'u:1', item: 'a', max: 2 },
    { op: 'user.purchase', user: 'u:1', item: 'b', max: 2 },
    { op: 'user.purchase', user: 'u:1', item: 'a', max: 2 },
    { op: 'user.vector', user: 'u:1', vector: Float32Array.from([0.5, -2, 1e-40]) },
    trend('DE', 'a', 1, t),
    trend('DE', 'b', 3, t),
    trend('DE', 'a', 5, t + 10),
    trend('FR', 'c', 2, t),
    cooc('view', 'a', 'b', 1),
    cooc('view', 'a', 'c', 2),
    cooc('view', 'a', 'd', 1),
    cooc('view', 'a', 'e', 1),
    cooc('view', 'a', 'c', -2),
    cooc('buy', 'b', 'a', 1),
    { op: 'query.click', token: 'shoe', item: 'a', by: 1, max: 2 },
    { op: 'query.click', token: 'shoe', item: 'b', by: 2, max: 2 },
    { op: 'query.click', token: 'shoe', item: 'c', by: 1, max: 2 },
    { op: 'item.review', item: 'a', rating: 4, sentiment: -0.5 },
  ];
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

  it('writes the snapshot format byte for byte as before, and restores a snapshot written before', async () => {
    const snapshotPath = join(dir, 'golden.snapshot');
    const a = await openMemoryFeatureStore({ snapshotPath, logger: silentLogger, appliedIdsLimit: 4 });
    await a.apply([{ eventId: 'e1', updates: goldenUpdates() }, ...['e2', 'e3', 'e4', 'e5'].map((eventId) => ({ eventId, updates: [] }))]);
    await a.flush();
    await a.close();
    expect((await readFile(snapshotPath, 'utf8')).trimEnd().split('\n')).toEqual(GOLDEN_SNAPSHOT);

    await writeFile(snapshotPath, GOLDEN_SNAPSHOT.join('\n') + '\n');
    const b = await openMemoryFeatureStore({ snapshotPath, logger: silentLogger, appliedIdsLimit: 4 });
    const user = await b.getUser('u:1');
    expect(user?.recent.map((r) => r.item)).toEqual(['c', 'b', 'd']);
    expect(user?.purchased).toEqual(['b', 'a']);
    expect(Array.from(user?.vector ?? [])).toEqual(Array.from(Float32Array.from([0.5, -2, 1e-40])));
    expect((await b.topTrending('DE', 5)).map((x) => x.id)).toEqual(['a', 'b']);
    expect(await b.topCooc('view', 'a', 5)).toEqual([
      { id: 'd', score: 1 },
      { id: 'e', score: 1 },
    ]);
    expect(await b.topQueryClicks('shoe', 5)).toEqual([
      { id: 'b', score: 2 },
      { id: 'c', score: 1 },
    ]);
    expect(await b.getItemStats('a')).toEqual({ ratingCount: 1, ratingSum: 4, sentimentSum: -0.5 });
    expect(await Promise.all(['e1', 'e2', 'e5'].map((id) => b.hasApplied(id)))).toEqual([false, true, true]);
    // The restored bounds keep their tie rule: of d and e (1 each), d arrived first and goes first.
    await b.apply([{ eventId: 'e6', updates: [{ op: 'item.cooc', rel: 'view', a: 'a', b: 'f', by: 1, max: 2 }] }]);
    expect((await b.topCooc('view', 'a', 5)).map((x) => x.id)).toEqual(['e', 'f']);
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

  it('remembers exactly the last appliedIdsLimit ids through growth, wrap-around and collisions of probe runs', () => {
    const rng = createRng(5);
    for (const limit of [1, 7, 1000, 5000]) {
      const ids = createAppliedIds(limit);
      const ref: string[] = [];
      const known = new Set<string>();
      for (let step = 0; step < 12_000; step++) {
        const id = `e-${rng.int(20_000)}`;
        if (ids.has(id) !== known.has(id)) throw new Error(`limit ${limit}, step ${step}: has(${id}) disagrees`);
        if (known.has(id)) {
          if (ids.add(id)) throw new Error(`limit ${limit}, step ${step}: add(${id}) of a known id says new`);
          continue;
        }
        if (!ids.add(id)) throw new Error(`limit ${limit}, step ${step}: add(${id}) of a new id says known`);
        ref.push(id);
        known.add(id);
        if (ref.length > limit) known.delete(ref.shift() as string);
      }
      expect(ids.size).toBe(ref.length);
      expect(Array.from(ids.ordered())).toEqual(ref);
    }
  });

  it('rejects a user vector with NaN or an infinity anywhere, and takes one with -0 and subnormals', async () => {
    const store = createMemoryFeatureStore({ logger: silentLogger });
    const vector = (x: number, at: number): Float32Array => {
      const v = new Float32Array(70).fill(0.5);
      v[at] = x;
      return v;
    };
    for (const [x, at] of [[Number.NaN, 0], [Infinity, 69], [-Infinity, 33]] as const) {
      await expect(store.apply([{ eventId: `bad-${at}`, updates: [{ op: 'user.vector', user: 'u', vector: vector(x, at) }] }])).rejects.toMatchObject({
        code: 'update_invalid',
      });
    }
    expect(await store.getUser('u')).toBeUndefined();
    await store.apply([{ eventId: 'ok', updates: [{ op: 'user.vector', user: 'u', vector: vector(-0, 1).fill(1e-45, 2, 4) }] }]);
    const stored = (await store.getUser('u'))?.vector;
    expect(Object.is(stored?.[1], -0)).toBe(true);
    expect(stored?.[2]).toBe(Math.fround(1e-45));
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
