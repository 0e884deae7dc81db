import { describe, expect, it } from 'vitest';
import { foldText } from '../../src/core/index.ts';
import { validateEvent, type MeridianEvent } from '../../src/ingest/index.ts';
import {
  CATEGORIES,
  PHRASES,
  createCatalog,
  createShoppers,
  createTraffic,
  sentimentOf,
  type Lang,
  type TrafficEvent,
  type UpsertEvent,
} from '../../src/simulate/index.ts';

const start = Date.UTC(2026, 0, 1);
const catalog = createCatalog({ seed: 5, items: 1500 });
const shoppers = createShoppers({ seed: 5, users: 400 });
const items = new Map<string, UpsertEvent>([...catalog].map((e) => [e.item_id, e]));
const events: TrafficEvent[] = [...createTraffic({ seed: 5, catalog, shoppers, start, events: 40_000 })];
const count = (type: MeridianEvent['type']): number => events.filter((e) => e.type === type).length;
const langOf = (locale: string): Lang => locale.slice(0, 2) as Lang;

describe('createTraffic', () => {
  it('produces valid shopper events with unique ids, in event-time order from the simulated clock', () => {
    expect(events).toHaveLength(40_000);
    expect(events.filter((e) => !validateEvent(e).ok)).toEqual([]);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    expect(events.every((e, i) => i === 0 || e.ts >= events[i - 1]!.ts)).toBe(true);
    expect(events[0]!.ts).toBeGreaterThanOrEqual(start);
    expect(events.at(-1)!.ts).toBeLessThan(start + 365 * 86_400_000);
    expect(events.at(-1)!.ts - events[0]!.ts).toBeGreaterThan(86_400_000);
  });

  it('is reproducible by seed', () => {
    const again = [...createTraffic({ seed: 5, catalog, shoppers, start, events: 5000 })];
    expect(JSON.stringify(again)).toBe(JSON.stringify(events.slice(0, 5000)));
    const other = [...createTraffic({ seed: 6, catalog, shoppers, start, events: 5000 })];
    expect(JSON.stringify(other.map((e) => [e.type, e.ts]))).not.toBe(JSON.stringify(again.map((e) => [e.type, e.ts])));
  });

  it('never shows or sells an item outside the markets where it is available, and charges its price there', () => {
    const wrong: string[] = [];
    for (const e of events) {
      const ids = e.type === 'search' ? e.results : [e.item_id];
      for (const id of ids) if (!items.get(id)!.available_in.includes(e.market)) wrong.push(`${e.id} ${id} ${e.market}`);
      if (e.type === 'purchase') {
        const price = items.get(e.item_id)!.prices[e.market]!;
        if (e.price !== price.amount || e.currency !== price.currency) wrong.push(`${e.id} price ${e.price} ${e.currency}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(count('purchase')).toBeGreaterThan(100);
  });

  it('follows the funnel: views > clicks > carts > purchases, with a few removals', () => {
    const [views, clicks, carts, purchases, removals] = ['view', 'click', 'add_to_cart', 'purchase', 'remove_from_cart'].map((t) =>
      count(t as MeridianEvent['type']),
    ) as [number, number, number, number, number];
    expect(views).toBeGreaterThan(clicks);
    expect(clicks).toBeGreaterThan(carts);
    expect(carts).toBeGreaterThan(purchases);
    expect(purchases).toBeGreaterThan(0);
    expect(removals).toBeGreaterThan(0);
    expect(removals).toBeLessThan(carts / 3);
    expect(count('search')).toBeGreaterThan(views / 20);
    expect(count('review')).toBeGreaterThan(0);
  });

  it('searches in the shopper’s language with results that contain the query’s words', () => {
    const byUser = new Map(shoppers.map((s) => [s.id, s]));
    const folded = new Map<string, string>();
    const titleOf = (id: string, lang: Lang): string => {
      const key = `${id}/${lang}`;
      let t = folded.get(key);
      if (t === undefined) folded.set(key, (t = foldText(items.get(id)!.titles[lang]!)));
      return t;
    };
    const wrong: string[] = [];
    let withResults = 0;
    for (const e of events) {
      if (e.type !== 'search') continue;
      if (e.user_id !== undefined && byUser.get(e.user_id)!.locale !== e.locale) wrong.push(`${e.id} locale`);
      const lang = langOf(e.locale);
      const words = foldText(e.query).split(' ');
      for (const id of e.results) {
        const title = titleOf(id, lang);
        if (!words.every((w) => title.includes(w))) wrong.push(`${e.id} "${e.query}" not in "${title}"`);
      }
      if (e.results.length > 0) withResults++;
    }
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(withResults).toBeGreaterThan(100);
  });

  it('writes queries with the vocabulary of the shopper’s language', () => {
    const vocab = (lang: Lang): Set<string> => {
      const i = ['en', 'de', 'fr', 'es', 'ja', 'pt'].indexOf(lang);
      const words = new Set<string>();
      for (const c of CATEGORIES) {
        for (const row of [...c.nouns, ...c.adjectives, ...c.variants]) for (const w of foldText(row[i]!).split(' ')) words.add(w);
      }
      return words;
    };
    const brands = new Set(catalog.brands.flatMap((b) => foldText(b.name).split(' ')));
    const en = vocab('en');
    for (const lang of ['de', 'fr', 'ja'] as const) {
      const own = vocab(lang);
      const queries = events.filter((e) => e.type === 'search' && langOf(e.locale) === lang).map((e) => (e as { query: string }).query);
      expect(queries.length).toBeGreaterThan(20);
      const outside = queries.filter((q) => foldText(q).split(' ').some((w) => !own.has(w) && !brands.has(w)));
      expect(outside).toEqual([]);
      // Most queries have a word that English does not share.
      const foreign = queries.filter((q) => foldText(q).split(' ').some((w) => !en.has(w) && !brands.has(w)));
      expect(foreign.length / queries.length).toBeGreaterThan(0.6);
    }
  });

  it('follows a search click with a click on that item in the same session', () => {
    const pending = new Map<string, string>();
    const broken: string[] = [];
    let clicks = 0;
    for (const e of events) {
      const want = pending.get(e.session_id!);
      if (want !== undefined) {
        if (e.type !== 'click' || e.item_id !== want) broken.push(`${e.id} after a click on ${want}`);
        pending.delete(e.session_id!);
      }
      if (e.type === 'search' && e.clicked_item_id !== undefined) {
        clicks++;
        if (!e.results.includes(e.clicked_item_id)) broken.push(`${e.id} clicked outside its results`);
        pending.set(e.session_id!, e.clicked_item_id);
      }
    }
    expect(broken).toEqual([]);
    expect(clicks).toBeGreaterThan(50);
  });

  it('writes reviews in the shopper’s language with a tone that follows the rating', () => {
    const reviews = events.filter((e): e is Extract<TrafficEvent, { type: 'review' }> => e.type === 'review');
    expect(reviews.length).toBeGreaterThan(20);
    const wrong = reviews.filter((r) => {
      const brand = items.get(r.item_id)!.brand!;
      const own = PHRASES[langOf(r.locale)][sentimentOf(r.rating)].map((p) => p.replace('{brand}', brand));
      return !own.some((p) => r.text.startsWith(p));
    });
    expect(wrong).toEqual([]);
    expect(new Set(reviews.map((r) => r.rating)).size).toBeGreaterThanOrEqual(4);
  });

  it('has hits, and sessions that stay within a taste', () => {
    const views = new Map<string, number>();
    const last = new Map<string, string>();
    let pairs = 0;
    let sameCategory = 0;
    for (const e of events) {
      if (e.type !== 'view') continue;
      views.set(e.item_id, (views.get(e.item_id) ?? 0) + 1);
      const prev = last.get(e.session_id!);
      if (prev !== undefined && prev !== e.item_id) {
        pairs++;
        if (items.get(prev)!.category === items.get(e.item_id)!.category) sameCategory++;
      }
      last.set(e.session_id!, e.item_id);
    }
    const sorted = [...views.values()].sort((a, b) => b - a);
    const total = sorted.reduce((a, b) => a + b, 0);
    const top = sorted.slice(0, Math.ceil(catalog.items.length / 100)).reduce((a, b) => a + b, 0);
    expect(top / total).toBeGreaterThan(0.1);
    expect(sameCategory / pairs).toBeGreaterThan(3 / CATEGORIES.length);
  });

  it('mixes logged-in shoppers and anonymous sessions', () => {
    const anonymous = events.filter((e) => e.user_id === undefined);
    expect(anonymous.length).toBeGreaterThan(events.length / 20);
    expect(anonymous.length).toBeLessThan(events.length / 2);
    expect(events.every((e) => e.session_id !== undefined)).toBe(true);
  });

  it('spreads a fixed number of events over [start, end] when both are given', () => {
    const end = start + 86_400_000;
    const day = [...createTraffic({ seed: 9, catalog, shoppers, start, end, events: 3000 })];
    expect(day.length).toBeGreaterThan(2700);
    expect(day.at(-1)!.ts).toBeLessThan(end);
    expect(day.at(-1)!.ts).toBeGreaterThan(start + 0.75 * 86_400_000);
  });

  it('stamps live events with the injected wall clock and new ids', () => {
    let clock = 5_000;
    const live = createTraffic({ seed: 5, catalog, shoppers, live: true, now: () => (clock += 7) });
    const got: TrafficEvent[] = [];
    for (const e of live) {
      got.push(e);
      if (got.length === 50) break;
    }
    expect(got.every((e, i) => e.ts > 5_000 && (i === 0 || e.ts > got[i - 1]!.ts))).toBe(true);
    expect(got.at(-1)!.ts).toBe(clock);
    const simulated = new Set(events.map((e) => e.id));
    expect(got.filter((e) => simulated.has(e.id))).toEqual([]);
  });

  it('never reads the wall clock on the simulated clock', () => {
    const now = (): number => {
      throw new Error('wall clock read');
    };
    expect([...createTraffic({ seed: 5, catalog, shoppers, start, events: 2000, now })]).toHaveLength(2000);
  });

  it('fails fast on bad options', () => {
    expect(() => createTraffic({ seed: 1, catalog, shoppers: [] })).toThrow(/shoppers/);
    expect(() => createTraffic({ seed: 1, catalog, shoppers, start, end: start - 1 })).toThrow(/end/);
    expect(() => createTraffic({ seed: 1, catalog, shoppers, events: -1 })).toThrow(/events/);
  });
});

describe('createShoppers', () => {
  const many = createShoppers({ seed: 2, users: 3000 });
  it('weights home markets: the US and Germany are the biggest', () => {
    const by = new Map<string, number>();
    for (const s of many) by.set(s.market, (by.get(s.market) ?? 0) + 1);
    const ranked = [...by.entries()].sort((a, b) => b[1] - a[1]).map(([m]) => m);
    expect(ranked.slice(0, 2)).toEqual(['US', 'DE']);
    expect(by.size).toBeGreaterThanOrEqual(7);
  });

  it('gives each shopper a concentrated taste, a locale and favourite brands', () => {
    for (const s of many.slice(0, 200)) {
      expect(s.taste.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      expect(s.preferred.length).toBeGreaterThanOrEqual(1);
      expect(s.preferred.length).toBeLessThanOrEqual(2);
      expect(s.favouriteBrands.length).toBeGreaterThanOrEqual(1);
      expect(s.locale.endsWith(`-${s.market}`)).toBe(true);
    }
    const top = many.map((s) => s.preferred.reduce((a, c) => a + s.taste[c]!, 0));
    expect(top.reduce((a, b) => a + b, 0) / top.length).toBeGreaterThan(0.6);
    expect(many.filter((s) => s.guest).length / many.length).toBeCloseTo(0.25, 1);
  });

  it('is reproducible by seed', () => {
    expect(createShoppers({ seed: 2, users: 50 })).toEqual(many.slice(0, 50));
  });
});
