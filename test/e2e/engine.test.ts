import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCatalog, createShoppers, createTraffic, MARKETS } from '../../src/simulate/index.ts';
import { getJson, post, startEngine, type ListBody } from '../support/engine-harness.ts';

const T0 = Date.UTC(2026, 5, 1);
const CURRENCY = new Map(MARKETS.map((m) => [m.market, m.currency]));

interface Item {
  id: string;
  category: string;
  markets: readonly string[];
  titles: Record<string, string>;
}

describe('the engine end to end, through the HTTP API', () => {
  let env: Awaited<ReturnType<typeof startEngine>>;
  let catalog: { items: Item[] };
  let shopperIds: string[];
  const tAfter = T0 + 3 * 86_400_000;

  beforeAll(async () => {
    env = await startEngine();
    const sim = createCatalog({ seed: 3, items: 400, ts: T0 });
    const upserts = [...sim];
    catalog = {
      items: upserts.map((u) => ({ id: u.item_id, category: u.category, markets: u.available_in, titles: u.titles })),
    };
    const shoppers = createShoppers({ seed: 3, users: 60 });
    shopperIds = shoppers.filter((s) => !s.guest).map((s) => s.id);
    const traffic = [...createTraffic({ seed: 3, catalog: sim, shoppers, start: T0 + 3_600_000, events: 6000 })];
    expect(await post(env.app, upserts)).toBe(400);
    expect(await post(env.app, traffic)).toBe(traffic.length);
  });
  afterAll(async () => env.close());

  const availableIn = (id: string, market: string): boolean =>
    catalog.items.find((i) => i.id === id)?.markets.includes(market) === true;

  it.each(['US', 'DE', 'JP', 'BR'])('returns k items sold in %s, priced in its currency', async (market) => {
    const user = shopperIds[0] as string;
    const body = await getJson<ListBody>(env.app, `/v1/recommendations?user=${user}&market=${market}&k=10`);
    expect(body.items).toHaveLength(10);
    for (const item of body.items) {
      expect(availableIn(item.id, market)).toBe(true);
      expect(item.price.currency).toBe(CURRENCY.get(market));
    }
    expect(new Set(body.items.map((i) => i.id)).size).toBe(10);
  });

  it('a new shopper who clicks five items of a category gets that category, on the very next request', async () => {
    const market = 'DE';
    const categories = [...new Set(catalog.items.map((i) => i.category))];
    let checked = 0;
    for (const [n, category] of categories.entries()) {
      const pick = catalog.items.filter((i) => i.category === category && i.markets.includes(market)).slice(0, 5);
      if (pick.length < 5) continue;
      const user = `newbie-${n}`;
      const clicks = pick.map((item, j) => ({
        id: `click-${n}-${j}`,
        type: 'click',
        market,
        locale: 'de-DE',
        user_id: user,
        item_id: item.id,
        ts: tAfter + j * 1000,
      }));
      expect(await post(env.app, clicks)).toBe(5);
      const body = await getJson<ListBody>(env.app, `/v1/recommendations?user=${user}&market=${market}&k=10`);
      expect(body.items).toHaveLength(10);
      const same = body.items.filter((i) => i.category === category).length;
      expect(same, `category ${category}`).toBeGreaterThanOrEqual(5);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(6);
  });

  it('accepts 99 of a batch of 100 and rejects the malformed one, naming its field', async () => {
    const item = catalog.items.find((i) => i.markets.includes('FR'))?.id as string;
    const batch: Record<string, unknown>[] = Array.from({ length: 100 }, (_, j) => ({
      id: `batch100-${j}`,
      type: 'view',
      market: 'FR',
      locale: 'fr-FR',
      session_id: 'batch-session',
      item_id: item,
      ts: tAfter + j,
    }));
    batch[37] = { ...batch[37], market: 'France' };
    const res = await env.app.inject({ method: 'POST', url: '/v1/events', payload: batch });
    expect(res.statusCode).toBeLessThan(300);
    const body = res.json() as { accepted: number; rejected: number; results: { index: number; status: string; errors?: { field: string }[] }[] };
    expect(body.accepted).toBe(99);
    expect(body.rejected).toBe(1);
    const bad = body.results.find((r) => r.status === 'rejected');
    expect(bad?.index).toBe(37);
    expect(bad?.errors?.[0]?.field).toBe('market');
    expect(env.rt.deadLetters.recent(1)[0]?.reason).toBe('invalid_field');
    const metrics = (await env.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/meridian_events_rejected_total\{[^}]*reason="invalid_field"[^}]*\} 1/);
  });

  it('applies an event id once: a repeated batch is answered as duplicates and changes nothing', async () => {
    const items = catalog.items.filter((i) => i.markets.includes('ES')).slice(10, 14);
    const batch = items.map((it, j) => ({
      id: `dup-${j}`,
      type: 'add_to_cart',
      market: 'ES',
      locale: 'es-ES',
      user_id: 'dup-user',
      item_id: it.id,
      ts: tAfter + j,
    }));
    expect(await post(env.app, batch)).toBe(4);
    const ctx = await env.rt.tenants.get('default');
    const before = await ctx.store.getUser('u:dup-user');
    const recsBefore = await getJson<ListBody>(env.app, '/v1/recommendations?user=dup-user&market=ES&k=10');
    const res = await env.app.inject({ method: 'POST', url: '/v1/events', payload: batch });
    const body = res.json() as { accepted: number; duplicates: number };
    expect(body.accepted).toBe(0);
    expect(body.duplicates).toBe(4);
    const after = await ctx.store.getUser('u:dup-user');
    expect(after?.counts).toEqual(before?.counts);
    expect(after?.recent).toEqual(before?.recent);
    expect(Array.from(after?.vector ?? [])).toEqual(Array.from(before?.vector ?? []));
    expect(await getJson<ListBody>(env.app, '/v1/recommendations?user=dup-user&market=ES&k=10')).toEqual(recsBefore);
  });

  it('an event is visible in the next answer (freshness): a click moves the shopper towards its category', async () => {
    const user = shopperIds[1] as string;
    const before = await getJson<ListBody>(env.app, `/v1/recommendations?user=${user}&market=US&k=10`);
    const counts = new Map<string, number>();
    for (const i of before.items) counts.set(i.category, (counts.get(i.category) ?? 0) + 1);
    const target = catalog.items.find((i) => i.markets.includes('US') && !counts.has(i.category));
    expect(target).toBeDefined();
    const clicks = [0, 1, 2].map((j) => ({
      id: `fresh-${j}`,
      type: 'click',
      market: 'US',
      locale: 'en-US',
      user_id: user,
      item_id: catalog.items.filter((i) => i.category === target?.category && i.markets.includes('US'))[j]?.id,
      ts: tAfter + 10_000 + j,
    }));
    expect(await post(env.app, clicks)).toBe(3);
    const after = await getJson<ListBody>(env.app, `/v1/recommendations?user=${user}&market=US&k=10`);
    expect(after.items.some((i) => i.category === target?.category)).toBe(true);
    expect(after.items.map((i) => i.id)).not.toEqual(before.items.map((i) => i.id));
  });

  it('search finds items by their title words in the market language, sold in that market', async () => {
    const item = catalog.items.find((i) => i.markets.includes('DE') && i.titles.de !== undefined);
    const word = (item?.titles.de ?? '').split(/\s+/).sort((a, b) => b.length - a.length)[0] ?? '';
    const body = await getJson<ListBody>(env.app, `/v1/search?q=${encodeURIComponent(word)}&market=DE&locale=de-DE&k=10`);
    expect(body.items.length).toBeGreaterThan(0);
    for (const i of body.items) expect(availableIn(i.id, 'DE')).toBe(true);
    expect(body.items.some((i) => i.title.toLowerCase().includes(word.toLowerCase()))).toBe(true);
  });

  it('similar and bought-together stay in the market and leave out the item itself; unknown items are 404', async () => {
    const item = catalog.items.find((i) => i.markets.includes('JP'))?.id as string;
    for (const route of ['similar', 'bought-together']) {
      const body = await getJson<ListBody>(env.app, `/v1/items/${item}/${route}?market=JP&locale=ja-JP&k=5`);
      expect(body.items.length).toBeGreaterThan(0);
      for (const i of body.items) {
        expect(i.id).not.toBe(item);
        expect(availableIn(i.id, 'JP')).toBe(true);
        expect(i.price.currency).toBe('JPY');
      }
    }
    const res = await env.app.inject({ method: 'GET', url: '/v1/items/no-such-item/similar?market=JP' });
    expect(res.statusCode).toBe(404);
    expect((res.json() as { error: { code: string } }).error.code).toBe('item_not_found');
  });

  it('filters by category and price in the market currency, and trending respects the market', async () => {
    const category = catalog.items[0]?.category as string;
    const body = await getJson<ListBody>(
      env.app,
      `/v1/recommendations?user=${shopperIds[2]}&market=GB&k=5&category=${category}&price_min=10&price_max=200`,
    );
    for (const i of body.items) {
      expect(i.category).toBe(category);
      expect(i.price.amount).toBeGreaterThanOrEqual(10);
      expect(i.price.amount).toBeLessThanOrEqual(200);
      expect(i.price.currency).toBe('GBP');
    }
    const trending = await getJson<ListBody>(env.app, '/v1/trending?market=BR&k=10');
    expect(trending.items.length).toBe(10);
    for (const i of trending.items) expect(availableIn(i.id, 'BR')).toBe(true);
  });
});
