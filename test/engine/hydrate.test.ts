import { describe, expect, it } from 'vitest';
import { createRng, type Rng } from '../../src/core/index.ts';
import type { ListQuery, ItemView } from '../../src/engine/index.ts';
import { pickTitle } from '../../src/engine/index.ts';
import { Candidates, hydrate, toView, type RankedCandidate } from '../../src/engine/hydrate.ts';
import type { CatalogItem } from '../../src/features/index.ts';
import type { FeatureStore } from '../../src/feature-store/index.ts';

describe('pickTitle', () => {
  const titles = { en: 'Running shoes', de: 'Laufschuhe', 'ja-JP': 'ランニングシューズ', 'pt-BR': 'Tênis de corrida' };

  it('takes the exact locale, then its language', () => {
    expect(pickTitle(titles, 'ja-JP', 'JP')).toBe('ランニングシューズ');
    expect(pickTitle(titles, 'de-AT', 'AT')).toBe('Laufschuhe');
    expect(pickTitle(titles, 'pt-PT', 'PT')).toBe('Tênis de corrida');
  });

  it("without a locale takes the market's language, then English", () => {
    expect(pickTitle(titles, undefined, 'DE')).toBe('Laufschuhe');
    expect(pickTitle(titles, undefined, 'BR')).toBe('Tênis de corrida');
    expect(pickTitle(titles, undefined, 'SE')).toBe('Running shoes');
    expect(pickTitle(titles, 'ko-KR', 'KR')).toBe('Running shoes');
  });

  it('falls back to any title when there is no English one', () => {
    expect(pickTitle({ fr: 'Chaussures' }, 'ja-JP', 'JP')).toBe('Chaussures');
  });
});

/** A catalog of `n` items over a few markets, brands and categories, some without a brand or a price. */
function catalog(rng: Rng, n: number): Map<string, CatalogItem> {
  const items = new Map<string, CatalogItem>();
  for (let i = 0; i < n; i++) {
    const availableIn = MARKETS.filter(() => rng.next() < 0.6);
    const prices: Record<string, { amount: number; currency: string }> = {};
    // Some markets list the item without a price: it cannot be shown there.
    for (const m of availableIn) if (rng.next() < 0.9) prices[m] = { amount: Math.round(rng.next() * 20000) / 100, currency: `C${m}` };
    const id = `sku-${String(i).padStart(4, '0')}`;
    items.set(id, {
      id,
      titles: { en: `item ${i}`, de: `Artikel ${i}` },
      descriptions: {},
      category: rng.pick(['shoes', 'tea', 'lamps']),
      brand: rng.next() < 0.15 ? undefined : rng.pick(['a', 'b', 'c', 'd']),
      prices,
      availableIn,
      ts: 0,
    });
  }
  return items;
}

const MARKETS = ['DE', 'FR', 'US'];

function fakeStore(items: Map<string, CatalogItem>, lookups: string[][] = []): FeatureStore {
  return {
    async getItems(ids: readonly string[]) {
      lookups.push([...ids]);
      return ids.map((id) => items.get(id));
    },
  } as unknown as FeatureStore;
}

/** What hydrate did before it judged candidates lazily: every candidate ranked, a view built for each, then the rules. */
function reference(items: Map<string, CatalogItem>, ranked: readonly RankedCandidate[], q: ListQuery, exclude?: ReadonlySet<string>): ItemView[] {
  const out: ItemView[] = [];
  const deferred: ItemView[] = [];
  const perBrand = new Map<string, number>();
  const maxPerBrand = Math.max(2, Math.ceil(q.k / 3));
  for (const c of ranked) {
    if (out.length >= q.k) break;
    if (exclude?.has(c.id) === true) continue;
    const item = items.get(c.id);
    if (item === undefined) continue;
    const view = toView(item, q, c.score, c.reason);
    if (view === undefined) continue;
    const brand = item.brand ?? '';
    const n = perBrand.get(brand) ?? 0;
    if (brand !== '' && n >= maxPerBrand) {
      deferred.push(view);
      continue;
    }
    perBrand.set(brand, n + 1);
    out.push(view);
  }
  for (const v of deferred) if (out.length < q.k) out.push(v);
  return out;
}

describe('Candidates', () => {
  it('sums scores per id, keeps the reason of the strongest source and ignores non-positive scores', () => {
    const c = new Candidates();
    c.add('a', 0.5, 'personalized');
    c.add('b', 0.3, 'trending');
    c.add('a', 0.6, 'viewed_together');
    c.add('a', 0.1, 'trending');
    c.add('c', 0, 'trending');
    c.add('d', Number.NaN, 'trending');
    expect(c.size).toBe(2);
    expect(c.has('a')).toBe(true);
    expect(c.has('c')).toBe(false);
    expect(c.ranked()).toEqual([
      { id: 'a', score: 0.5 + 0.6 + 0.1, reason: 'viewed_together' },
      { id: 'b', score: 0.3, reason: 'trending' },
    ]);
  });

  it('ranks by score, then id, the same through the cursor as through a full sort', () => {
    const rng = createRng(5);
    for (let round = 0; round < 50; round++) {
      const c = new Candidates();
      const n = rng.int(300);
      // Few distinct scores, so ties (ordered by id) are common.
      for (let i = 0; i < n; i++) c.add(`i${rng.int(400)}`, (1 + rng.int(8)) / 4, rng.pick(['trending', 'similar'] as const));
      const sorted = [...c.ranked()].sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      expect(c.ranked()).toEqual(sorted);
      const cursor = c.cursor();
      const read: RankedCandidate[] = [];
      for (let x = cursor.next(); x !== undefined; x = cursor.next()) read.push(x);
      expect(read).toEqual(sorted);
    }
  });

  it('rescores the candidates it is given a number for, with the new reason', () => {
    const c = new Candidates();
    c.add('a', 0.2, 'search');
    c.add('b', 0.5, 'search');
    c.add('c', 0.4, 'search');
    c.rescore((id, score) => (id === 'b' ? undefined : score + 1), 'search_personalized');
    expect(c.ranked()).toEqual([
      { id: 'c', score: 1.4, reason: 'search_personalized' },
      { id: 'a', score: 1.2, reason: 'search_personalized' },
      { id: 'b', score: 0.5, reason: 'search' },
    ]);
  });
});

describe('hydrate', () => {
  it('lists exactly what building every view first listed, for random candidates, filters, exclusions and k', async () => {
    const rng = createRng(11);
    const items = catalog(rng, 400);
    const ids = [...items.keys(), 'deleted-1', 'deleted-2'];
    for (let round = 0; round < 300; round++) {
      const c = new Candidates();
      const n = rng.int(250);
      for (let i = 0; i < n; i++) c.add(rng.pick(ids), rng.int(6) / 5, rng.pick(['personalized', 'trending', 'viewed_together'] as const));
      const q: ListQuery = {
        tenant: 't',
        market: rng.pick(MARKETS),
        locale: rng.pick([undefined, 'de-DE', 'en']),
        k: 1 + rng.int(25),
        category: rng.next() < 0.2 ? rng.pick(['shoes', 'tea']) : undefined,
        priceMin: rng.next() < 0.2 ? 50 : undefined,
        priceMax: rng.next() < 0.2 ? 150 : undefined,
      };
      const exclude = rng.next() < 0.7 ? new Set(ids.filter(() => rng.next() < 0.1)) : undefined;
      const expected = reference(items, c.ranked(), q, exclude);
      expect(await hydrate(fakeStore(items), c, q, exclude)).toEqual(expected);
      // A ranked array (the older call form) gives the same list.
      expect(await hydrate(fakeStore(items), c.ranked(), q, exclude)).toEqual(expected);
    }
  });

  it('reads the catalog only as far down the ranking as the list needs, excluded ids left out', async () => {
    const rng = createRng(12);
    const items = catalog(rng, 300);
    const c = new Candidates();
    const sold = [...items.values()].filter((i) => i.prices.DE !== undefined && i.availableIn.includes('DE'));
    sold.forEach((item, i) => c.add(item.id, 1000 - i, 'trending'));
    const lookups: string[][] = [];
    const exclude = new Set([sold[0]!.id, sold[3]!.id]);
    const out = await hydrate(fakeStore(items, lookups), c, { tenant: 't', market: 'DE', k: 3 }, exclude);
    expect(out).toHaveLength(3);
    // One chunk of max(4k, 40) candidates, less the excluded ones.
    expect(lookups).toEqual([sold.slice(0, 40).map((i) => i.id).filter((id) => !exclude.has(id))]);
  });

  it('caps a brand at max(2, ceil(k/3)) and fills with the capped items rather than return fewer than k', async () => {
    const item = (id: string, brand: string | undefined): CatalogItem => ({
      id,
      titles: { en: id },
      descriptions: {},
      category: 'tea',
      brand,
      prices: { DE: { amount: 1, currency: 'EUR' } },
      availableIn: ['DE'],
      ts: 0,
    });
    const items = new Map(
      [item('a1', 'A'), item('a2', 'A'), item('a3', 'A'), item('a4', 'A'), item('n1', undefined), item('n2', undefined), item('n3', undefined), item('b1', 'B')].map(
        (i) => [i.id, i],
      ),
    );
    const c = new Candidates();
    ['a1', 'a2', 'a3', 'a4', 'n1', 'n2', 'n3', 'b1'].forEach((id, i) => c.add(id, 10 - i, 'trending'));
    const list = async (k: number) => (await hydrate(fakeStore(items), c, { tenant: 't', market: 'DE', k })).map((v) => v.id);
    // Unbranded items are never capped; the cap holds while other items fill the list.
    expect(await list(6)).toEqual(['a1', 'a2', 'n1', 'n2', 'n3', 'b1']);
    expect(await list(8)).toEqual(['a1', 'a2', 'a3', 'n1', 'n2', 'n3', 'b1', 'a4']);
    const views = await hydrate(fakeStore(items), c, { tenant: 't', market: 'DE', k: 1, locale: 'de-DE' });
    expect(views).toEqual([{ id: 'a1', title: 'a1', category: 'tea', brand: 'A', price: { amount: 1, currency: 'EUR' }, score: 10, reason: 'trending' }]);
  });
});
