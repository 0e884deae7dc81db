import { Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createInstrumentation,
  createRng,
  silentLogger,
  type InstrumentationEvents,
  type Rng,
} from '../../../src/core/index.ts';
import { createMemoryFeatureStore, openRedisFeatureStore, type FeatureStore, type RedisFeatureStoreOptions } from '../../../src/feature-store/index.ts';
import { type EventUpdates, type Update } from '../../../src/features/index.ts';
// The key layout and call size, to inspect what the store wrote.
import { EVENTS_PER_CALL, redisKeys } from '../../../src/feature-store/redis/encode.ts';
import { catalogItem, featureStoreContract } from '../../contracts/feature-store.contract.ts';
import { uniquePrefix, waitFor } from '../../support/helpers.ts';

const url = process.env.MERIDIAN_TEST_REDIS_URL ?? '';
if (url === '') {
  throw new Error('MERIDIAN_TEST_REDIS_URL is not set: run the tests with `npm test`, which starts the test services');
}

const TENANT = 't1';
const prefixes = new Set<string>();
const opened: FeatureStore[] = [];
let admin: Redis;

beforeAll(() => {
  admin = new Redis(url, { lazyConnect: true });
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  for (const p of prefixes) {
    const keys = await keysOf(p);
    if (keys.length > 0) await admin.unlink(...keys);
  }
  await admin.quit();
});

/** Every key under a store's prefix (SCAN, so the shared server is never blocked). */
async function keysOf(prefix: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    out.push(...keys);
  } while (cursor !== '0');
  return out;
}

async function open(over: Partial<RedisFeatureStoreOptions> = {}): Promise<FeatureStore> {
  const keyPrefix = over.keyPrefix ?? uniquePrefix('fs');
  prefixes.add(keyPrefix);
  const store = await openRedisFeatureStore({
    url,
    tenant: TENANT,
    keyPrefix,
    logger: silentLogger,
    instrumentation: createInstrumentation(),
    ...over,
  });
  opened.push(store);
  return store;
}

featureStoreContract('redis', async () => {
  const keyPrefix = uniquePrefix('fs');
  prefixes.add(keyPrefix);
  // The contract closes the store itself.
  return openRedisFeatureStore({ url, tenant: TENANT, keyPrefix, logger: silentLogger, instrumentation: createInstrumentation() });
});

const push = (user: string, item: string, ts: number, max = 50): Update => ({ op: 'user.push', user, item, kind: 'view', ts, max });
const count = (user: string, ts: number): Update => ({ op: 'user.count', user, kind: 'view', ts });

describe('redis feature store', () => {
  it('sends a batch in one round trip of script calls and nothing else', async () => {
    const keyPrefix = uniquePrefix('fs');
    const store = await open({ keyPrefix });
    const batch: EventUpdates[] = Array.from({ length: 100 }, (_, i) => ({
      eventId: `e${i}`,
      updates: [push(`u:${i % 3}`, `i${i}`, i), count(`u:${i % 3}`, i), { op: 'item.trend', market: 'DE', item: `i${i}`, weight: 1, ts: i, halfLifeMs: 1000 }],
    }));
    const monitor = await new Redis(url).monitor();
    const seen: string[] = [];
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      // Commands a script runs show up with source "lua": only what the client sent counts.
      if (source !== 'lua' && args.some((a) => a.includes(keyPrefix))) seen.push(String(args[0]).toLowerCase());
    });
    const writes = vi.spyOn(Socket.prototype, 'write');
    try {
      expect(await store.apply(batch)).toEqual(batch.map(() => true));
      const ours = writes.mock.calls.filter(([data]) => String(data).includes(keyPrefix));
      expect(ours).toHaveLength(1);
    } finally {
      writes.mockRestore();
    }
    // A marker read after the batch: once MONITOR shows it, it has shown everything before it.
    await store.hasApplied('marker');
    await waitFor(() => seen.includes('exists'), { what: 'the marker read in MONITOR' });
    monitor.disconnect();
    expect(seen.slice(0, -1)).toHaveLength(Math.ceil(batch.length / EVENTS_PER_CALL));
    expect(seen.slice(0, -1).every((c) => c === 'evalsha' || c === 'eval')).toBe(true);
    expect(seen.at(-1)).toBe('exists');
  });

  it('expires anonymous sessions, refreshes their TTL on each event, keeps users and markers as configured', async () => {
    const keyPrefix = uniquePrefix('fs');
    const store = await open({ keyPrefix, sessionTtlSeconds: 1000, appliedIdTtlSeconds: 500 });
    const vector = Float32Array.from([1, 2]);
    const shopper = (user: string): Update[] => [
      push(user, 'a', 1),
      count(user, 1),
      { op: 'user.purchase', user, item: 'a', max: 5 },
      { op: 'user.vector', user, vector },
    ];
    await store.apply([
      { eventId: 'e1', updates: shopper('s:abc') },
      { eventId: 'e2', updates: shopper('u:abc') },
    ]);
    const k = redisKeys(keyPrefix, TENANT);
    const sessionKeys = [k.user('s:abc'), k.recent('s:abc'), k.bought('s:abc')];
    const userKeys = [k.user('u:abc'), k.recent('u:abc'), k.bought('u:abc')];
    const ttls = (keys: string[]): Promise<number[]> => Promise.all(keys.map((key) => admin.ttl(key)));
    for (const t of await ttls(sessionKeys)) expect(t).toBeGreaterThan(990);
    expect(await ttls(userKeys)).toEqual([-1, -1, -1]);
    const marker = await admin.ttl(k.applied('e1'));
    expect(marker).toBeGreaterThan(490);
    expect(marker).toBeLessThanOrEqual(500);

    for (const key of sessionKeys) await admin.expire(key, 5);
    // An event that writes only the session's hash refreshes all of its keys.
    await store.apply([{ eventId: 'e3', updates: [count('s:abc', 2)] }]);
    for (const t of await ttls(sessionKeys)) expect(t).toBeGreaterThan(990);
    expect((await store.getUser('s:abc'))?.counts).toEqual({ view: 2 });
  });

  it('applies an event id once when two clients apply it concurrently', async () => {
    const keyPrefix = uniquePrefix('fs');
    const [a, b] = [await open({ keyPrefix }), await open({ keyPrefix })];
    const batch: EventUpdates[] = Array.from({ length: 200 }, (_, i) => ({
      eventId: `e${i}`,
      updates: [count('u:x', i), { op: 'item.review', item: 'i', rating: 1, sentiment: 0 }],
    }));
    // Small batches, one client going forward and the other backward: they meet in the middle.
    const run = async (store: FeatureStore, list: EventUpdates[]): Promise<boolean[]> => {
      const out: boolean[] = [];
      for (let i = 0; i < list.length; i += 5) out.push(...(await store.apply(list.slice(i, i + 5))));
      return out;
    };
    const [ra, rb] = await Promise.all([run(a, batch), run(b, batch.slice().reverse())]);
    rb.reverse();
    for (let i = 0; i < batch.length; i++) expect([ra[i], rb[i]].filter(Boolean)).toHaveLength(1);
    // Both clients won some events: the applies really interleaved.
    expect(ra.some(Boolean) && rb.some(Boolean)).toBe(true);
    expect((await a.getUser('u:x'))?.counts).toEqual({ view: 200 });
    expect((await b.getItemStats('i'))?.ratingCount).toBe(200);
  });

  it('sends ids and text of any script and length as their exact UTF-8', async () => {
    const store = await open({ keyPrefix: uniquePrefix('fs') });
    // Byte lengths that need one more digit than the character count (9 → 10, 99 → 100), and long multi-byte runs.
    const ids = ['aaaaaaaaé', `${'x'.repeat(98)}ü`, '日本語'.repeat(40), '🙂', 'plain'];
    await store.apply(ids.map((id, i) => ({ eventId: `put-${id}`, updates: [{ op: 'item.put', item: catalogItem(id, { ts: i }) }] })));
    await store.apply(ids.map((id, i) => ({ eventId: `view-${id}`, updates: [push(`u:${ids[0]}`, id, i + 1, 10)] })));
    expect((await store.getItems(ids)).map((item) => item?.id)).toEqual(ids);
    expect((await store.getUser(`u:${ids[0]}`))?.recent.map((r) => r.item)).toEqual(ids);
  });

  it('applies co-occurrence written in pairs (as features write them) as it applies the same updates one by one', async () => {
    // Pairs around an item go to the script as one op; the same updates in another order (each
    // set's own updates still in order) go one op each. Both must leave the same sets, ties included.
    const paired = await open();
    const single = await open();
    const rng = createRng(11);
    for (let e = 0; e < 300; e++) {
      const item = rng.pick(ITEMS);
      const by = rng.pick([1, 1, 2, 0.75, -1]); // whole and fractional; negative: counts fall and leave
      const partners = ITEMS.filter((i) => i !== item && rng.next() < 0.3);
      const there = partners.map((p): Update => ({ op: 'item.cooc', rel: 'view', a: item, b: p, by, max: 4 }));
      const back = partners.map((p): Update => ({ op: 'item.cooc', rel: 'view', a: p, b: item, by, max: 4 }));
      const pairs = partners.flatMap((_, j) => [there[j] as Update, back[j] as Update]);
      expect(await paired.apply([{ eventId: `p${e}`, updates: pairs }])).toEqual(await single.apply([{ eventId: `p${e}`, updates: [...there, ...back] }]));
    }
    for (const item of ITEMS) expect(await paired.topCooc('view', item, 10), item).toEqual(await single.topCooc('view', item, 10));
    expect((await paired.topCooc('view', 'i0', 10)).length).toBe(4); // bounded: the sets were full
  });

  it('keeps a newcomer tied with the lowest neighbour, not a weaker one, for whole and fractional counts', async () => {
    for (const scale of [1, 0.25]) {
      const store = await open({ keyPrefix: uniquePrefix('fs') });
      const bump = (id: string, b: string, by: number): EventUpdates => ({ eventId: id, updates: [{ op: 'item.cooc', rel: 'view', a: 'a', b, by: by * scale, max: 3 }] });
      await store.apply([bump('e1', 'x', 6), bump('e2', 'b', 2), bump('e3', 'c', 2)]);
      const ids = async (): Promise<string[]> => (await store.topCooc('view', 'a', 10)).map((s) => s.id);
      await store.apply([bump('e4', 'd', 2)]); // tied with b and c, last by id: one of them goes
      expect(await ids(), `scale ${scale}`).toEqual(['x', 'b', 'd']);
      await store.apply([bump('e5', 'e', 1)]); // weaker than every kept neighbour
      expect(await ids(), `scale ${scale}`).toEqual(['x', 'b', 'd']);
      await store.apply([bump('e6', '0', 2)]); // tied, first by id
      expect(await store.topCooc('view', 'a', 10), `scale ${scale}`).toEqual([
        { id: 'x', score: 6 * scale },
        { id: '0', score: 2 * scale },
        { id: 'b', score: 2 * scale },
      ]);
      await store.apply([bump('e7', 'b', -2)]); // down to zero: it leaves
      expect(await ids(), `scale ${scale}`).toEqual(['x', '0']);
    }
  });

  it('keeps every structure bounded after many writes', async () => {
    const keyPrefix = uniquePrefix('fs');
    const store = await open({ keyPrefix, trendingMax: 20 });
    const batch: EventUpdates[] = [];
    for (let i = 0; i < 600; i++) {
      batch.push({
        eventId: `e${i}`,
        updates: [
          push('u:1', `i${i}`, i, 50),
          { op: 'user.purchase', user: 'u:1', item: `i${i}`, max: 30 },
          { op: 'item.cooc', rel: 'view', a: 'hub', b: `i${i}`, by: (i % 7) + 1, max: 10 },
          { op: 'query.click', token: 'shoe', item: `i${i}`, by: 1, max: 8 },
          { op: 'item.trend', market: 'DE', item: `i${i}`, weight: 1, ts: i * 1000, halfLifeMs: 3_600_000 },
        ],
      });
    }
    for (let i = 0; i < batch.length; i += 100) await store.apply(batch.slice(i, i + 100));
    const k = redisKeys(keyPrefix, TENANT);
    expect(await admin.llen(k.recent('u:1'))).toBe(50);
    expect(await admin.llen(k.bought('u:1'))).toBe(30);
    expect(await admin.zcard(k.cooc('view', 'hub'))).toBe(10);
    expect(await admin.zcard(k.clicks('shoe'))).toBe(8);
    expect(await admin.zcard(k.trend('DE'))).toBe(20);
    const user = await store.getUser('u:1');
    expect(user?.recent.map((r) => r.item)).toEqual(Array.from({ length: 50 }, (_, j) => `i${550 + j}`));
    expect(user?.purchased).toEqual(Array.from({ length: 30 }, (_, j) => `i${570 + j}`));
    // The lowest counts were dropped: only neighbours of the top weight remain.
    expect((await store.topCooc('view', 'hub', 100)).map((s) => s.score)).toEqual(Array.from({ length: 10 }, () => 7));
    // The newest (highest decayed) items are the trending ones.
    expect((await store.topTrending('DE', 100)).map((s) => s.id)).toEqual(Array.from({ length: 20 }, (_, j) => `i${599 - j}`));
  });

  it('stores the user vector as its exact float32 bytes', async () => {
    const keyPrefix = uniquePrefix('fs');
    const store = await open({ keyPrefix });
    const rng = createRng(7);
    const v = Float32Array.from({ length: 64 }, () => rng.normal());
    v[3] = -0;
    v[5] = 1e-45; // subnormal
    await store.apply([{ eventId: 'e', updates: [{ op: 'user.vector', user: 'u:v', vector: v }] }]);
    const raw = await admin.hgetBuffer(redisKeys(keyPrefix, TENANT).user('u:v'), 'v');
    expect(raw?.equals(Buffer.from(v.buffer))).toBe(true);
    const got = (await store.getUser('u:v'))?.vector;
    expect(got && Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(Buffer.from(v.buffer))).toBe(true);
  });

  it('reports every call as a redis service call', async () => {
    const instrumentation = createInstrumentation();
    const calls: InstrumentationEvents['service.call'][] = [];
    instrumentation.on('service.call', (c) => calls.push(c));
    const store = await open({ instrumentation });
    await store.apply([{ eventId: 'e', updates: [count('u:1', 1)] }]);
    await store.getUser('u:1');
    await store.topTrending('DE', 5);
    expect(await store.ping()).toBe(true);
    expect(calls.map((c) => [c.service, c.op, c.ok])).toEqual([
      ['redis', 'apply', true],
      ['redis', 'getUser', true],
      ['redis', 'topTrending', true],
      ['redis', 'ping', true],
    ]);
    for (const c of calls) expect(c.ms).toBeGreaterThanOrEqual(0);
  });

  it('refuses bad options before connecting', async () => {
    const base = { url, tenant: TENANT, logger: silentLogger, instrumentation: createInstrumentation() };
    await expect(openRedisFeatureStore({ ...base, url: 'http://127.0.0.1:6379' })).rejects.toMatchObject({ code: 'option_invalid', field: 'url' });
    await expect(openRedisFeatureStore({ ...base, tenant: 'a{b}' })).rejects.toMatchObject({ code: 'option_invalid', field: 'tenant' });
    await expect(openRedisFeatureStore({ ...base, keyPrefix: '' })).rejects.toMatchObject({ code: 'option_invalid', field: 'keyPrefix' });
    await expect(openRedisFeatureStore({ ...base, sessionTtlSeconds: 0 })).rejects.toMatchObject({ code: 'option_invalid' });
    await expect(openRedisFeatureStore({ ...base, trendingMax: 1.5 })).rejects.toMatchObject({ code: 'option_invalid' });
  });

  it('answers like the memory store for a random stream of updates', async () => {
    const redis = await open();
    const memory = createMemoryFeatureStore({ logger: silentLogger });
    const rng = createRng(42);
    for (let b = 0; b < 8; b++) {
      const batch = Array.from({ length: 50 }, (_, i) => ({ eventId: `e${b}-${i}`, updates: randomUpdates(rng, b * 50 + i) }));
      // A repeated id within the batch.
      batch.push({ eventId: `e${b}-3`, updates: randomUpdates(rng, 0) });
      expect(await redis.apply(batch)).toEqual(await memory.apply(batch));
    }
    await expectSameAnswers(redis, memory);
    await memory.close();
  });
});

const ITEMS = Array.from({ length: 12 }, (_, i) => `i${i}`);
const USERS = ['u:1', 'u:2', 's:3'];

/** Updates of every kind, with random (tie-free) weights, late events and removals. */
function randomUpdates(rng: Rng, t: number): Update[] {
  const user = rng.pick(USERS);
  const item = rng.pick(ITEMS);
  const other = rng.pick(ITEMS.filter((i) => i !== item));
  const ts = 1_750_000_000_000 + t * 60_000 - rng.int(3) * 300_000;
  const all: Update[] = [
    { op: 'user.push', user, item, kind: rng.pick(['view', 'click', 'add_to_cart', 'purchase'] as const), ts, max: 6 },
    { op: 'user.count', user, kind: rng.pick(['view', 'click', 'search'] as const), ts },
    { op: 'user.purchase', user, item, max: 4 },
    { op: 'user.vector', user, vector: Float32Array.from({ length: 4 }, () => rng.normal()) },
    { op: 'item.trend', market: rng.pick(['DE', 'FR']), item, weight: 0.5 + rng.next() * 4, ts, halfLifeMs: 3_600_000 },
    { op: 'item.cooc', rel: rng.pick(['view', 'buy'] as const), a: item, b: other, by: rng.next() * 3 - 0.5, max: 4 },
    { op: 'query.click', token: rng.pick(['shoe', 'red']), item, by: rng.next() * 2, max: 3 },
    { op: 'item.review', item, rating: 1 + rng.int(5), sentiment: rng.next() * 2 - 1 },
    { op: 'item.put', item: catalogItem(item, { ts, category: rng.pick(['a', 'b']) }) },
  ];
  const out = all.filter(() => rng.next() < 0.45);
  if (rng.next() < 0.08) out.push({ op: 'user.remove', user, item: rng.pick(ITEMS) });
  if (rng.next() < 0.03) out.push({ op: 'item.delete', item: rng.pick(ITEMS) });
  return out;
}

async function expectSameAnswers(a: FeatureStore, b: FeatureStore): Promise<void> {
  for (const u of [...USERS, 'nobody']) expect(await a.getUser(u)).toEqual(await b.getUser(u));
  expect(await a.getItems([...ITEMS, 'zz'])).toEqual(await b.getItems([...ITEMS, 'zz']));
  expect(await a.itemCount()).toBe(await b.itemCount());
  const ids = async (s: FeatureStore): Promise<string[]> => {
    const out: string[] = [];
    for await (const item of s.allItems()) out.push(item.id);
    return out.sort();
  };
  expect(await ids(a)).toEqual(await ids(b));
  for (const item of ITEMS) {
    expect(await a.getItemStats(item)).toEqual(await b.getItemStats(item));
    for (const rel of ['view', 'buy'] as const) expect(await a.topCooc(rel, item, 10)).toEqual(await b.topCooc(rel, item, 10));
  }
  for (const token of ['shoe', 'red']) expect(await a.topQueryClicks(token, 10)).toEqual(await b.topQueryClicks(token, 10));
  for (const market of ['DE', 'FR']) {
    const [ta, tb] = [await a.topTrending(market, 20), await b.topTrending(market, 20)];
    expect(ta.map((s) => s.id)).toEqual(tb.map((s) => s.id));
    ta.forEach((s, i) => expect(s.score).toBeCloseTo(tb[i]?.score ?? Number.NaN, 9));
  }
}
