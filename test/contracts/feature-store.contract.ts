import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CatalogItem, Update } from '../../src/features/index.ts';
import type { FeatureStore } from '../../src/feature-store/index.ts';

/** A catalog item with sensible defaults. */
export function catalogItem(id: string, over: Partial<CatalogItem> = {}): CatalogItem {
  return {
    id,
    titles: { en: `Item ${id}`, de: `Artikel ${id}` },
    descriptions: { en: `About ${id}` },
    category: 'shoes',
    brand: 'acme',
    prices: { DE: { amount: 10, currency: 'EUR' } },
    availableIn: ['DE'],
    ts: 1_000,
    ...over,
  };
}

const HOUR = 3_600_000;
const trend = (market: string, item: string, weight: number, ts: number, halfLifeMs = HOUR): Update => ({
  op: 'item.trend',
  market,
  item,
  weight,
  ts,
  halfLifeMs,
});
const cooc = (a: string, b: string, by = 1, max = 10, rel: 'view' | 'buy' = 'view'): Update => ({ op: 'item.cooc', rel, a, b, by, max });
const push = (user: string, item: string, ts: number, max = 10): Update => ({ op: 'user.push', user, item, kind: 'view', ts, max });

/**
 * The behaviour every FeatureStore adapter must have. `make` returns a fresh, empty store of one
 * tenant; each test closes it.
 */
export function featureStoreContract(name: string, make: () => Promise<FeatureStore>): void {
  describe(`FeatureStore contract: ${name}`, () => {
    let store: FeatureStore;
    let seq = 0;
    const one = async (...updates: Update[]): Promise<boolean> => {
      const [ok] = await store.apply([{ eventId: `e${++seq}`, updates }]);
      return ok as boolean;
    };

    beforeEach(async () => {
      store = await make();
    });
    afterEach(async () => {
      await store.close();
    });

    describe('apply', () => {
      it('applies an event once; a repeated id changes nothing and returns false', async () => {
        expect(await store.apply([{ eventId: 'a', updates: [push('u1', 'i1', 10)] }])).toEqual([true]);
        expect(await store.hasApplied('a')).toBe(true);
        expect(await store.hasApplied('b')).toBe(false);
        const again = await store.apply([
          { eventId: 'a', updates: [push('u1', 'i2', 20), { op: 'user.count', user: 'u1', kind: 'view', ts: 20 }] },
          { eventId: 'b', updates: [{ op: 'user.count', user: 'u1', kind: 'click', ts: 30 }] },
        ]);
        expect(again).toEqual([false, true]);
        const u = await store.getUser('u1');
        expect(u?.recent.map((r) => r.item)).toEqual(['i1']);
        expect(u?.counts).toEqual({ click: 1 });
        expect(u?.lastTs).toBe(30);
      });

      it('applies only the first of two entries with one id in a batch', async () => {
        const ok = await store.apply([
          { eventId: 'x', updates: [{ op: 'item.review', item: 'i1', rating: 5, sentiment: 1 }] },
          { eventId: 'x', updates: [{ op: 'item.review', item: 'i1', rating: 1, sentiment: -1 }] },
        ]);
        expect(ok).toEqual([true, false]);
        expect(await store.getItemStats('i1')).toEqual({ ratingCount: 1, ratingSum: 5, sentimentSum: 1 });
      });

      it('rejects a batch with a malformed update and changes nothing, not even its valid events', async () => {
        const bad = { op: 'item.trend', market: 'DE', item: 'i1', weight: Number.NaN, ts: 1, halfLifeMs: HOUR } as Update;
        await expect(
          store.apply([
            { eventId: 'ok', updates: [push('u1', 'i1', 1), { op: 'item.put', item: catalogItem('i1') }] },
            { eventId: 'bad', updates: [push('u2', 'i2', 1), bad] },
          ]),
        ).rejects.toMatchObject({ code: 'update_invalid' });
        expect(await store.getUser('u1')).toBeUndefined();
        expect(await store.getUser('u2')).toBeUndefined();
        expect(await store.getItem('i1')).toBeUndefined();
        expect(await store.hasApplied('ok')).toBe(false);
        expect(await store.hasApplied('bad')).toBe(false);
        expect(await store.topTrending('DE', 10)).toEqual([]);
      });

      it('applies all updates of an event together', async () => {
        await one(push('u1', 'i1', 5), { op: 'user.count', user: 'u1', kind: 'view', ts: 5 }, trend('DE', 'i1', 1, 5), cooc('i1', 'i0'));
        expect((await store.getUser('u1'))?.recent).toEqual([{ item: 'i1', type: 'view', ts: 5 }]);
        expect(await store.topTrending('DE', 1)).toHaveLength(1);
        expect(await store.topCooc('view', 'i1', 5)).toEqual([{ id: 'i0', score: 1 }]);
      });
    });

    describe('users', () => {
      it('keeps the most recent `max` interactions, oldest first, and the newest event time', async () => {
        for (let t = 1; t <= 6; t++) await one(push('u', `i${t}`, t * 10, 3));
        const u = await store.getUser('u');
        expect(u?.recent).toEqual([
          { item: 'i4', type: 'view', ts: 40 },
          { item: 'i5', type: 'view', ts: 50 },
          { item: 'i6', type: 'view', ts: 60 },
        ]);
        expect(u?.lastTs).toBe(60);
      });

      it('places a late interaction by its event time', async () => {
        await one(push('u', 'a', 10));
        await one(push('u', 'c', 30));
        await one(push('u', 'b', 20));
        const u = await store.getUser('u');
        expect(u?.recent.map((r) => r.item)).toEqual(['a', 'b', 'c']);
        expect(u?.lastTs).toBe(30);
      });

      it('removes every interaction with an item; removing for an unknown shopper creates nothing', async () => {
        await one(push('u', 'a', 1), push('u', 'b', 2), push('u', 'a', 3));
        await one({ op: 'user.remove', user: 'u', item: 'a' });
        expect((await store.getUser('u'))?.recent.map((r) => r.item)).toEqual(['b']);
        await one({ op: 'user.remove', user: 'nobody', item: 'a' });
        expect(await store.getUser('nobody')).toBeUndefined();
      });

      it('counts events by type', async () => {
        await one({ op: 'user.count', user: 'u', kind: 'view', ts: 1 });
        await one({ op: 'user.count', user: 'u', kind: 'view', ts: 2 });
        await one({ op: 'user.count', user: 'u', kind: 'purchase', ts: 3 });
        expect((await store.getUser('u'))?.counts).toEqual({ view: 2, purchase: 1 });
      });

      it('keeps a bounded purchase list; a repeat purchase moves to the newest end', async () => {
        for (const item of ['a', 'b', 'c', 'a', 'd']) await one({ op: 'user.purchase', user: 'u', item, max: 3 });
        expect((await store.getUser('u'))?.purchased).toEqual(['c', 'a', 'd']);
      });

      it('round-trips the user vector exactly and does not share it with the caller', async () => {
        const values = [0.1, -0.2, 1e-40, 3.4028234663852886e38, -0, 1 / 3, 12345.678, -7.5e-8];
        const v = Float32Array.from(values);
        await one({ op: 'user.vector', user: 'u', vector: v });
        v[0] = 99;
        const got = (await store.getUser('u'))?.vector;
        expect(got).toBeInstanceOf(Float32Array);
        const want = Float32Array.from(values);
        expect(got?.length).toBe(want.length);
        for (let i = 0; i < want.length; i++) expect(Object.is(got?.[i], want[i])).toBe(true);
        (got as Float32Array)[1] = 42;
        expect((await store.getUser('u'))?.vector?.[1]).toBe(Math.fround(-0.2));
      });

      it('returns undefined for an unknown shopper', async () => {
        expect(await store.getUser('ghost')).toBeUndefined();
      });

      it('reads several shoppers at once as getUser reads each, in order, as copies', async () => {
        const vector = Float32Array.from([0.5, -1]);
        await one(push('u1', 'a', 10), { op: 'user.count', user: 'u1', kind: 'view', ts: 10 }, { op: 'user.vector', user: 'u1', vector });
        await one(push('u2', 'b', 20), { op: 'user.purchase', user: 'u2', item: 'b', max: 5 });
        const keys = ['u2', 'ghost', 'u1', 'u2'];
        const each = await Promise.all(keys.map((u) => store.getUser(u)));
        const all = await store.getUsers(keys);
        expect(all).toEqual(each);
        expect(all[1]).toBeUndefined();
        expect(all[0]?.purchased).toEqual(['b']);
        expect(Array.from(all[2]?.vector ?? [])).toEqual([0.5, -1]);
        // Copies: changing what was read changes neither the store nor the other reads.
        all[0]?.recent.push({ item: 'x', type: 'view', ts: 30 });
        (all[2]?.vector as Float32Array)[0] = 9;
        expect(all[3]?.recent.map((r) => r.item)).toEqual(['b']);
        expect(await store.getUsers(['u1', 'u2'])).toEqual([each[2], each[0]]);
        expect(await store.getUsers([])).toEqual([]);
      });
    });

    describe('trending', () => {
      it('orders by weight at one time, highest first, per market', async () => {
        await one(trend('DE', 'a', 1, 1000), trend('DE', 'b', 5, 1000), trend('DE', 'c', 2, 1000), trend('FR', 'z', 1, 1000));
        expect((await store.topTrending('DE', 10)).map((s) => s.id)).toEqual(['b', 'c', 'a']);
        expect((await store.topTrending('DE', 2)).map((s) => s.id)).toEqual(['b', 'c']);
        expect((await store.topTrending('FR', 10)).map((s) => s.id)).toEqual(['z']);
        expect(await store.topTrending('US', 10)).toEqual([]);
        expect(await store.topTrending('DE', 0)).toEqual([]);
      });

      it('decays: the same weight at an earlier time counts less', async () => {
        await one(trend('DE', 'old', 3, 0), trend('DE', 'new', 3, HOUR));
        const top = await store.topTrending('DE', 2);
        expect(top.map((s) => s.id)).toEqual(['new', 'old']);
        // One half-life apart: exactly a factor 2, i.e. one unit of log2.
        expect((top[0]?.score ?? 0) - (top[1]?.score ?? 0)).toBeCloseTo(1, 9);
        // Three times the weight one half-life earlier is worth 1.5 times the weight now.
        await one(trend('DE', 'busy', 6, 0), trend('DE', 'busy', 3, 0));
        expect((await store.topTrending('DE', 3)).map((s) => s.id)).toEqual(['busy', 'new', 'old']);
      });

      it('stores log2 of the decayed sum: log2(2^old + w * 2^(ts/halfLife))', async () => {
        await one(trend('DE', 'a', 1, 0), trend('DE', 'a', 2, HOUR), trend('DE', 'a', 4, 2 * HOUR));
        const [a] = await store.topTrending('DE', 1);
        expect(a?.score).toBeCloseTo(Math.log2(1 + 2 * 2 + 4 * 4), 9);
      });

      it('keeps the order stable at realistic epoch times (no overflow)', async () => {
        const t = 1_750_000_000_000;
        const day = 24 * HOUR;
        await one(trend('DE', 'a', 5, t, day), trend('DE', 'b', 1, t + day, day), trend('DE', 'b', 1, t + day, day));
        const top = await store.topTrending('DE', 2);
        expect(top.map((s) => s.id)).toEqual(['a', 'b']);
        expect(Number.isFinite(top[0]?.score)).toBe(true);
        expect((top[0]?.score ?? 0) - (top[1]?.score ?? 0)).toBeCloseTo(Math.log2(5 / 4), 6);
      });

      it('drops a deleted item from trending', async () => {
        await one(trend('DE', 'a', 5, 1), trend('DE', 'b', 1, 1), { op: 'item.put', item: catalogItem('a') });
        await one({ op: 'item.delete', item: 'a' });
        expect((await store.topTrending('DE', 10)).map((s) => s.id)).toEqual(['b']);
      });
    });

    describe('co-occurrence', () => {
      it('applies symmetric writes: each item sees the other', async () => {
        await one(cooc('a', 'b'), cooc('b', 'a'));
        expect(await store.topCooc('view', 'a', 5)).toEqual([{ id: 'b', score: 1 }]);
        expect(await store.topCooc('view', 'b', 5)).toEqual([{ id: 'a', score: 1 }]);
        expect(await store.topCooc('buy', 'a', 5)).toEqual([]);
      });

      it('orders neighbours by count and keeps at most `max`, dropping the lowest', async () => {
        await one(cooc('a', 'b', 3, 3), cooc('a', 'c', 2, 3), cooc('a', 'd', 5, 3));
        await one(cooc('a', 'e', 4, 3));
        expect(await store.topCooc('view', 'a', 10)).toEqual([
          { id: 'd', score: 5 },
          { id: 'e', score: 4 },
          { id: 'b', score: 3 },
        ]);
        // A newcomer weaker than every kept neighbour does not displace one.
        await one(cooc('a', 'f', 1, 3));
        expect((await store.topCooc('view', 'a', 10)).map((s) => s.id)).toEqual(['d', 'e', 'b']);
        expect((await store.topCooc('view', 'a', 1)).map((s) => s.id)).toEqual(['d']);
      });

      it('keeps relations apart', async () => {
        await one(cooc('a', 'b', 1, 10, 'buy'), cooc('a', 'c', 1, 10, 'view'));
        expect((await store.topCooc('buy', 'a', 5)).map((s) => s.id)).toEqual(['b']);
        expect((await store.topCooc('view', 'a', 5)).map((s) => s.id)).toEqual(['c']);
      });
    });

    describe('catalog', () => {
      it('puts, replaces, reads in order with undefined for unknown ids, counts and deletes', async () => {
        await one({ op: 'item.put', item: catalogItem('a') }, { op: 'item.put', item: catalogItem('b', { category: 'bags' }) });
        await one({ op: 'item.put', item: catalogItem('a', { category: 'boots', availableIn: ['DE', 'FR'] }) });
        expect(await store.getItem('a')).toEqual(catalogItem('a', { category: 'boots', availableIn: ['DE', 'FR'] }));
        const got = await store.getItems(['b', 'zz', 'a']);
        expect(got.map((i) => i?.id)).toEqual(['b', undefined, 'a']);
        expect(got[0]).toEqual(catalogItem('b', { category: 'bags' }));
        expect(await store.itemCount()).toBe(2);
        const all: string[] = [];
        for await (const item of store.allItems()) all.push(item.id);
        expect(all.sort()).toEqual(['a', 'b']);
        await one({ op: 'item.delete', item: 'a' });
        expect(await store.getItem('a')).toBeUndefined();
        expect(await store.itemCount()).toBe(1);
        await one({ op: 'item.delete', item: 'never-there' });
        expect(await store.itemCount()).toBe(1);
      });

      it('does not keep a reference to the caller’s item', async () => {
        const item = catalogItem('a');
        await one({ op: 'item.put', item });
        item.titles.en = 'changed';
        item.availableIn.push('US');
        expect(await store.getItem('a')).toEqual(catalogItem('a'));
      });
    });

    describe('item statistics and search clicks', () => {
      it('sums ratings and sentiment per item', async () => {
        await one({ op: 'item.review', item: 'a', rating: 5, sentiment: 0.75 });
        await one({ op: 'item.review', item: 'a', rating: 2, sentiment: -0.5 });
        expect(await store.getItemStats('a')).toEqual({ ratingCount: 2, ratingSum: 7, sentimentSum: 0.25 });
        expect(await store.getItemStats('b')).toBeUndefined();
      });

      it('ranks clicked items per query token, bounded', async () => {
        const click = (token: string, item: string, by = 1): Update => ({ op: 'query.click', token, item, by, max: 2 });
        await one(click('shoe', 'a'), click('shoe', 'b', 3), click('red', 'a'));
        await one(click('shoe', 'a'));
        expect(await store.topQueryClicks('shoe', 5)).toEqual([
          { id: 'b', score: 3 },
          { id: 'a', score: 2 },
        ]);
        await one(click('shoe', 'c', 5));
        expect((await store.topQueryClicks('shoe', 5)).map((s) => s.id)).toEqual(['c', 'b']);
        expect(await store.topQueryClicks('red', 5)).toEqual([{ id: 'a', score: 1 }]);
        expect(await store.topQueryClicks('blue', 5)).toEqual([]);
      });
    });

    it('answers ping while open', async () => {
      expect(await store.ping()).toBe(true);
    });
  });
}
