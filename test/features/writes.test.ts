import { describe, expect, it } from 'vitest';
import {
  createFeatureConfig,
  createQueryTokenCache,
  emptyUserState,
  isUserUpdate,
  queryTokens,
  writes,
  type Update,
  type UserState,
} from '../../src/features/index.ts';
import { shopperKey, type MeridianEvent } from '../../src/ingest/index.ts';

const MIN = 60_000;
const T = 1_750_000_000_000;
const config = createFeatureConfig();
const DAY = 24 * 60 * MIN;

const base = { tenant: 'default', market: 'DE', locale: 'de-DE', user_id: 'u1' } as const;
const ev = (e: Record<string, unknown>): MeridianEvent => ({ ...base, id: 'e', ts: T, ...e }) as MeridianEvent;

function state(recent: [string, UserState['recent'][number]['type'], number][]): UserState {
  const s = emptyUserState();
  s.recent = recent.map(([item, type, ts]) => ({ item, type, ts }));
  s.lastTs = Math.max(0, ...recent.map((r) => r[2]));
  return s;
}

const ops = (updates: Update[], op: Update['op']): Update[] => updates.filter((u) => u.op === op);
const pairs = (updates: Update[]): string[] =>
  updates.flatMap((u) => (u.op === 'item.cooc' ? [`${u.rel}:${u.a}>${u.b}`] : []));

describe('writes', () => {
  it('a first view: count, history, trending; nothing to pair with', () => {
    const u = writes(ev({ type: 'view', item_id: 'a' }), { user: undefined, config });
    expect(u).toEqual([
      { op: 'user.count', user: 'u:u1', kind: 'view', ts: T },
      { op: 'user.push', user: 'u:u1', item: 'a', kind: 'view', ts: T, max: 50 },
      { op: 'item.trend', market: 'DE', item: 'a', weight: 1, ts: T, halfLifeMs: DAY },
    ]);
  });

  it('uses the session as the shopper when there is no user', () => {
    const u = writes(ev({ type: 'click', item_id: 'a', user_id: undefined, session_id: 's9' }), { user: undefined, config });
    expect(u[0]).toEqual({ op: 'user.count', user: 's:s9', kind: 'click', ts: T });
  });

  it('weights trending by type: view 1, click 2, add_to_cart 3, purchase 5', () => {
    const weight = (type: string): number[] =>
      ops(writes(ev({ type, item_id: 'a', quantity: 1, price: 1, currency: 'EUR', rating: 4, text: '' }), { user: undefined, config }), 'item.trend').map(
        (u) => (u as Extract<Update, { op: 'item.trend' }>).weight,
      );
    expect([weight('view'), weight('click'), weight('add_to_cart'), weight('purchase')]).toEqual([[1], [2], [3], [5]]);
    expect(weight('review')).toEqual([]);
  });

  it('pairs a view with the last few distinct items seen within the hour, both directions', () => {
    const user = state([
      ['old', 'view', T - 2 * 60 * MIN],
      ['b', 'view', T - 40 * MIN],
      ['c', 'add_to_cart', T - 30 * MIN],
      ['b', 'click', T - 20 * MIN],
      ['a', 'view', T - 10 * MIN],
      ['future', 'view', T + MIN],
    ]);
    const u = writes(ev({ type: 'view', item_id: 'a' }), { user, config });
    expect(pairs(u)).toEqual(['view:a>b', 'view:b>a', 'view:a>c', 'view:c>a']);
    const few = writes(ev({ type: 'view', item_id: 'a' }), { user, config: createFeatureConfig({ viewLookback: 1 }) });
    expect(pairs(few)).toEqual(['view:a>b', 'view:b>a']);
  });

  it('pairs a purchase with earlier purchases and cart adds within 7 days, not with views', () => {
    const user = state([
      ['ancient', 'purchase', T - 8 * DAY],
      ['p', 'purchase', T - 3 * DAY],
      ['v', 'view', T - DAY],
      ['c', 'add_to_cart', T - 60 * MIN],
      ['x', 'add_to_cart', T - 30 * MIN],
      ['x', 'remove_from_cart', T - 20 * MIN],
    ]);
    const u = writes(ev({ type: 'purchase', item_id: 'x', quantity: 2, price: 10, currency: 'EUR' }), { user, config });
    expect(pairs(u)).toEqual(['buy:x>c', 'buy:c>x', 'buy:x>p', 'buy:p>x']);
    expect(ops(u, 'user.purchase')).toEqual([{ op: 'user.purchase', user: 'u:u1', item: 'x', max: 100 }]);
    expect(ops(u, 'user.push')).toHaveLength(1);
  });

  it('a cart add records history and trending without pairs', () => {
    const user = state([['a', 'view', T - MIN]]);
    const u = writes(ev({ type: 'add_to_cart', item_id: 'b' }), { user, config });
    expect(u.map((x) => x.op)).toEqual(['user.count', 'user.push', 'item.trend']);
  });

  it('remove_from_cart removes the item from the history and counts', () => {
    const u = writes(ev({ type: 'remove_from_cart', item_id: 'a' }), { user: state([['a', 'add_to_cart', T - MIN]]), config });
    expect(u).toEqual([
      { op: 'user.count', user: 'u:u1', kind: 'remove_from_cart', ts: T },
      { op: 'user.remove', user: 'u:u1', item: 'a' },
    ]);
  });

  it('a review records history and item statistics with the sentiment of text and rating', () => {
    const u = writes(ev({ type: 'review', item_id: 'a', rating: 5, text: 'Super Qualität, sehr bequem!' }), { user: undefined, config });
    expect(u.map((x) => x.op)).toEqual(['user.count', 'user.push', 'item.review']);
    const r = u[2] as Extract<Update, { op: 'item.review' }>;
    expect(r.rating).toBe(5);
    expect(r.sentiment).toBe(1);
  });

  it('a search with a click links every distinct query token to the clicked item', () => {
    const u = writes(ev({ type: 'search', query: 'Rote Schuhe rote', results: ['a', 'b'], clicked_item_id: 'b' }), { user: undefined, config });
    expect(u).toEqual([
      { op: 'user.count', user: 'u:u1', kind: 'search', ts: T },
      { op: 'query.click', token: 'rote', item: 'b', by: 1, max: 100 },
      { op: 'query.click', token: 'schuhe', item: 'b', by: 1, max: 100 },
    ]);
    const ja = writes(ev({ type: 'search', locale: 'ja-JP', query: 'ランニングシューズ', results: [], clicked_item_id: 'b' }), { user: undefined, config });
    expect(ops(ja, 'query.click').length).toBeGreaterThan(1);
    const noClick = writes(ev({ type: 'search', query: 'rote schuhe', results: ['a'] }), { user: undefined, config });
    expect(noClick.map((x) => x.op)).toEqual(['user.count']);
  });

  it('catalog events put and delete items', () => {
    const upsert = ev({
      type: 'item_upsert',
      item_id: 'i1',
      titles: { en: 'Red shoe', de: 'Roter Schuh' },
      category: 'shoes',
      prices: { DE: { amount: 30, currency: 'EUR' } },
      available_in: ['DE'],
      user_id: undefined,
    });
    expect(writes(upsert, { user: undefined, config })).toEqual([
      {
        op: 'item.put',
        item: {
          id: 'i1',
          titles: { en: 'Red shoe', de: 'Roter Schuh' },
          descriptions: {},
          category: 'shoes',
          brand: undefined,
          prices: { DE: { amount: 30, currency: 'EUR' } },
          availableIn: ['DE'],
          ts: T,
        },
      },
    ]);
    expect(writes(ev({ type: 'item_delete', item_id: 'i1' }), { user: undefined, config })).toEqual([{ op: 'item.delete', item: 'i1' }]);
  });

  it('writes the encoder state when one is given', () => {
    const vector = Float32Array.from([1, 2]);
    const u = writes(ev({ type: 'view', item_id: 'a' }), { user: undefined, vector, config });
    expect(u.at(-1)).toEqual({ op: 'user.vector', user: 'u:u1', vector });
  });

  it('takes limits, weights and the half-life from the config', () => {
    const c = createFeatureConfig({ recentMax: 7, trendHalfLifeMs: 1000, trendWeights: { view: 0.5, click: 2, add_to_cart: 3, purchase: 5 } });
    const u = writes(ev({ type: 'view', item_id: 'a' }), { user: undefined, config: c });
    expect(ops(u, 'user.push')[0]).toMatchObject({ max: 7 });
    expect(ops(u, 'item.trend')[0]).toMatchObject({ weight: 0.5, halfLifeMs: 1000 });
  });

  it('is pure: the same input gives the same output and the state is not touched', () => {
    const user = state([['b', 'view', T - MIN]]);
    const copy = structuredClone(user);
    const e = ev({ type: 'purchase', item_id: 'a', quantity: 1, price: 1, currency: 'EUR' });
    expect(writes(e, { user, config })).toEqual(writes(e, { user, config }));
    expect(user).toEqual(copy);
  });

  it('writes the same with the shopper key and a query token cache handed in', () => {
    const user = state([['b', 'view', T - MIN]]);
    const cache = createQueryTokenCache(2);
    const events = [
      ev({ type: 'view', item_id: 'a' }),
      ev({ type: 'view', item_id: 'a', user_id: undefined, session_id: 's1' }),
      ev({ type: 'search', query: 'Rote Schuhe rote', results: [], clicked_item_id: 'b' }),
      ev({ type: 'search', query: 'rote Schuhe', results: [], clicked_item_id: 'b' }),
      ev({ type: 'search', query: 'Rote Schuhe rote', results: [], clicked_item_id: 'b' }),
      ev({ type: 'search', locale: 'ja-JP', query: 'ランニングシューズ', results: [], clicked_item_id: 'b' }),
    ];
    for (const e of events) {
      const plain = writes(e, { user, config });
      expect(writes(e, { user, config, shopper: shopperKey(e), queryTokens: cache })).toEqual(plain);
    }
    const few = createFeatureConfig({ queryTokensMax: 1 });
    const s = ev({ type: 'search', query: 'rote schuhe', results: [], clicked_item_id: 'b' });
    expect(ops(writes(s, { user, config: few, queryTokens: cache }), 'query.click')).toEqual([{ op: 'query.click', token: 'rote', item: 'b', by: 1, max: 100 }]);
  });
});

describe('query tokens', () => {
  it('are the distinct tokens in order, the same from the cache, per locale', () => {
    expect(queryTokens('Rote Schuhe rote', 'de-DE')).toEqual(['rote', 'schuhe']);
    const cache = createQueryTokenCache(2);
    const first = cache('Rote Schuhe rote', 'de-DE');
    expect(first).toEqual(['rote', 'schuhe']);
    expect(cache('Rote Schuhe rote', 'de-DE')).toBe(first); // remembered
    expect(cache('ランニングシューズ', 'ja-JP')).toEqual(queryTokens('ランニングシューズ', 'ja-JP'));
    expect(cache('a b', 'en-US')).toEqual(['a', 'b']); // past the size: starts over
    expect(cache('Rote Schuhe rote', 'de-DE')).not.toBe(first);
    expect(cache('Rote Schuhe rote', 'de-DE')).toEqual(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(() => createQueryTokenCache(0)).toThrow(/size/);
  });
});

describe('isUserUpdate', () => {
  it('is true for exactly the user ops', () => {
    const all: Update[] = [
      { op: 'user.push', user: 'u', item: 'a', kind: 'view', ts: 1, max: 1 },
      { op: 'user.remove', user: 'u', item: 'a' },
      { op: 'user.count', user: 'u', kind: 'view', ts: 1 },
      { op: 'user.purchase', user: 'u', item: 'a', max: 1 },
      { op: 'user.vector', user: 'u', vector: new Float32Array(1) },
      { op: 'item.trend', market: 'DE', item: 'a', weight: 1, ts: 1, halfLifeMs: 1 },
      { op: 'item.cooc', rel: 'view', a: 'a', b: 'b', by: 1, max: 1 },
      { op: 'item.review', item: 'a', rating: 1, sentiment: 0 },
      { op: 'item.delete', item: 'a' },
      { op: 'query.click', token: 't', item: 'a', by: 1, max: 1 },
    ];
    expect(all.filter(isUserUpdate).map((u) => u.op)).toEqual(['user.push', 'user.remove', 'user.count', 'user.purchase', 'user.vector']);
  });
});

describe('createFeatureConfig', () => {
  it('fills defaults and freezes', () => {
    expect(config.trendWeights).toEqual({ view: 1, click: 2, add_to_cart: 3, purchase: 5 });
    expect(config.trendHalfLifeMs).toBe(DAY);
    expect(config.viewWindowMs).toBe(60 * MIN);
    expect(config.buyWindowMs).toBe(7 * DAY);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('rejects bad options with the option named', () => {
    expect(() => createFeatureConfig({ recentMax: 0 })).toThrow(/recentMax/);
    expect(() => createFeatureConfig({ trendHalfLifeMs: -1 })).toThrow(/trendHalfLifeMs/);
    expect(() => createFeatureConfig({ trendWeights: { view: 0, click: 1, add_to_cart: 1, purchase: 1 } })).toThrow(/trendWeights.view/);
  });
});
