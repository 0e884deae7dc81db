import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCatalog, createShoppers, createTraffic } from '../../src/simulate/index.ts';
import { getJson, post, startEngine, type ListBody } from '../support/engine-harness.ts';

const T0 = Date.UTC(2026, 5, 1);

/**
 * Kept lists through the HTTP API (the embedded engine keeps them by default): a repeated request
 * is served without computing, and never after something that changes the answer at once.
 */
describe('kept lists, end to end', () => {
  let env: Awaited<ReturnType<typeof startEngine>>;
  let user: string;
  let other: string;
  const lookups: boolean[] = [];
  const after = T0 + 3 * 86_400_000;
  let n = 0;
  const click = (who: string, item: string) => ({ id: `lc-${++n}`, type: 'click', market: 'DE', locale: 'de-DE', user_id: who, item_id: item, ts: after + n });
  const url = (who: string) => `/v1/recommendations?user=${who}&market=DE&k=10`;
  /** The answer and whether it was a kept list. */
  async function ask(u: string): Promise<{ body: ListBody; hit: boolean }> {
    const from = lookups.length;
    const body = await getJson<ListBody>(env.app, u);
    expect(lookups.length).toBe(from + 1);
    return { body, hit: lookups[from] as boolean };
  }

  beforeAll(async () => {
    env = await startEngine();
    env.rt.instrumentation.on('lists.cache', (p) => lookups.push(p.hit));
    const sim = createCatalog({ seed: 5, items: 300, ts: T0 });
    const shoppers = createShoppers({ seed: 5, users: 40 });
    const known = shoppers.filter((s) => !s.guest).map((s) => s.id);
    user = known[0] as string;
    other = known[1] as string;
    const traffic = [...createTraffic({ seed: 5, catalog: sim, shoppers, start: T0 + 3_600_000, events: 4000 })];
    await post(env.app, [...sim]);
    await post(env.app, traffic);
  });
  afterAll(async () => env.close());

  it('a repeated request is served from the kept list, with the same answer', async () => {
    const first = await ask(url(user));
    const second = await ask(url(user));
    expect(first.hit).toBe(false);
    expect(second.hit).toBe(true);
    expect(second.body).toEqual(first.body);
    // Another k is another list.
    expect((await ask(`/v1/recommendations?user=${user}&market=DE&k=5`)).hit).toBe(false);
  });

  it("the shopper's own click is in the very next answer; another shopper's click leaves the kept list", async () => {
    const before = await ask(url(user));
    const clicked = before.body.items[0]?.id as string;
    await post(env.app, [click(other, clicked)]);
    expect((await ask(url(user))).hit).toBe(true);
    await post(env.app, [click(user, clicked)]);
    const next = await ask(url(user));
    expect(next.hit).toBe(false);
    // Seen items are excluded by default: the clicked item is gone from the new list.
    expect(next.body.items.map((i) => i.id)).not.toContain(clicked);
  });

  it('an item of a kept list that stops being sold in the market leaves it at once', async () => {
    const before = await ask(url(user));
    expect((await ask(url(user))).hit).toBe(true);
    const gone = before.body.items[3]?.id as string;
    const current = [...createCatalog({ seed: 5, items: 300, ts: T0 })].find((u) => u.item_id === gone);
    expect(current).toBeDefined();
    await post(env.app, [{ ...current, id: `lc-up-${gone}`, ts: after + 10_000, available_in: ['US'] }]);
    const next = await ask(url(user));
    expect(next.hit).toBe(false);
    expect(next.body.items.map((i) => i.id)).not.toContain(gone);
    expect(next.body.items).toHaveLength(10);
  });

  it('similar items are kept per item and market, and recomputed when the item changes', async () => {
    const item = (await ask(url(user))).body.items[0]?.id as string;
    const similar = `/v1/items/${item}/similar?market=DE&k=5`;
    expect((await ask(similar)).hit).toBe(false);
    expect((await ask(similar)).hit).toBe(true);
    expect((await ask(`/v1/items/${item}/similar?market=US&k=5`)).hit).toBe(false);
    const current = [...createCatalog({ seed: 5, items: 300, ts: T0 })].find((u) => u.item_id === item);
    await post(env.app, [{ ...current, id: `lc-up2-${item}`, ts: after + 20_000, titles: { en: 'a brand new title' } }]);
    expect((await ask(similar)).hit).toBe(false);
  });

  it('requests whose parameters join to the same string keep lists of their own', async () => {
    // Joined with '|', item "x" with category "c|" and item "|x" with category "c" gave one key.
    const item = (await ask(url(user))).body.items[0]?.id as string;
    const current = [...createCatalog({ seed: 5, items: 300, ts: T0 })].find((u) => u.item_id === item);
    const twin = `|${item}`;
    await post(env.app, [{ ...current, id: `lc-twin-${item}`, item_id: twin, ts: after + 30_000 }]);
    const category = current?.category as string;
    const first = await ask(`/v1/items/${encodeURIComponent(item)}/similar?market=DE&k=5&category=${encodeURIComponent(`${category}|`)}`);
    expect(first.body.items).toEqual([]);
    const second = await ask(`/v1/items/${encodeURIComponent(twin)}/similar?market=DE&k=5&category=${encodeURIComponent(category)}`);
    expect(second.hit).toBe(false);
    expect(second.body.items.length).toBeGreaterThan(0);
  });
});

describe('kept lists turned off', () => {
  it('cache.entries 0: every request computes', async () => {
    const env = await startEngine({ cache: { entries: 0 } });
    try {
      const lookups: boolean[] = [];
      env.rt.instrumentation.on('lists.cache', (p) => lookups.push(p.hit));
      await getJson<ListBody>(env.app, '/v1/trending?market=DE&k=5');
      await getJson<ListBody>(env.app, '/v1/trending?market=DE&k=5');
      expect(lookups).toEqual([]);
      expect(env.rt.tenants.list()[0]?.lists).toBeUndefined();
    } finally {
      await env.close();
    }
  });
});
