import { describe, expect, it } from 'vitest';
import { validateEvent } from '../../src/ingest/index.ts';
import { CATEGORIES, MARKETS, createCatalog, marketInfo } from '../../src/simulate/index.ts';

const catalog = createCatalog({ seed: 11, items: 2000 });
const upserts = [...catalog];

describe('createCatalog', () => {
  it('yields one valid item_upsert per item with deterministic sku ids', () => {
    expect(upserts).toHaveLength(2000);
    expect(upserts.filter((e) => !validateEvent(e).ok)).toEqual([]);
    expect(upserts[123]!.item_id).toBe('sku-000123');
    expect(new Set(upserts.map((e) => e.id)).size).toBe(2000);
  });

  it('is the same for the same seed and differs for another', () => {
    expect(JSON.stringify([...createCatalog({ seed: 11, items: 300 })])).toBe(JSON.stringify(upserts.slice(0, 300)));
    expect(JSON.stringify([...createCatalog({ seed: 12, items: 300 })])).not.toBe(JSON.stringify(upserts.slice(0, 300)));
  });

  it('covers about twelve categories with brands of their own', () => {
    const seen = new Set(upserts.map((e) => e.category));
    expect(seen.size).toBe(CATEGORIES.length);
    expect(CATEGORIES.length).toBeGreaterThanOrEqual(12);
    const names = catalog.brands.map((b) => b.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('titles each item in English and in the language of every market it is sold in', () => {
    const wrong = upserts.filter((e) => {
      const langs = [...new Set(['en', ...e.available_in.map((m) => marketInfo(m).lang)])].sort().join();
      return (
        Object.keys(e.titles).sort().join() !== langs ||
        Object.keys(e.descriptions ?? {}).sort().join() !== langs ||
        Object.values(e.titles).some((t) => !t.includes(e.brand!))
      );
    });
    expect(wrong).toEqual([]);
    const withAll = upserts.find((e) => Object.keys(e.titles).length === 6)!;
    expect(withAll.titles.de).not.toBe(withAll.titles.en);
    expect(withAll.titles.ja).toMatch(/[\p{Script=Katakana}\p{Script=Han}]/u);
  });

  it('prices every available market, and only those, in local currency from one base price', () => {
    const wrong: string[] = [];
    for (const e of upserts) {
      if (Object.keys(e.prices).sort().join() !== [...e.available_in].sort().join()) wrong.push(`${e.item_id} markets`);
      for (const [market, price] of Object.entries(e.prices)) {
        const m = marketInfo(market);
        const ending = m.rounding === 'yen' ? Number.isInteger(price.amount) : price.amount.toFixed(2).endsWith(m.rounding === 'x.90' ? '.90' : '.99');
        if (price.currency !== m.currency || !ending) wrong.push(`${e.item_id} ${market} ${price.amount} ${price.currency}`);
      }
    }
    expect(wrong).toEqual([]);
    const item = catalog.items.find((i) => i.markets.includes('US') && i.markets.includes('JP'))!;
    const ratio = catalog.price(item, 'JP')!.amount / catalog.price(item, 'US')!.amount;
    expect(ratio).toBeGreaterThan(140);
    expect(ratio).toBeLessThan(190);
  });

  it('sells most items in several markets and local brands in one or two', () => {
    const counts = catalog.items.map((i) => i.markets.length);
    expect(counts.filter((n) => n >= 3).length / counts.length).toBeGreaterThan(0.6);
    const few = counts.filter((n) => n <= 2).length / counts.length;
    expect(few).toBeGreaterThan(0.1);
    expect(few).toBeLessThan(0.4);
    const local = catalog.items.filter((i) => catalog.brands[i.brand]!.home !== undefined);
    expect(local.length).toBeGreaterThan(100);
    expect(local.filter((i) => i.markets.length > 2 || !i.markets.includes(catalog.brands[i.brand]!.home!))).toEqual([]);
  });

  it('restricts availability to the markets it is given', () => {
    const two = createCatalog({ seed: 3, items: 200, markets: [marketInfo('DE'), marketInfo('JP')] });
    const outside = [...two].filter((e) => e.available_in.some((m) => m !== 'DE' && m !== 'JP') || Object.keys(e.titles).some((l) => !['en', 'de', 'ja'].includes(l)));
    expect(outside).toEqual([]);
    expect(MARKETS.length).toBeGreaterThan(2);
  });

  it('fails fast on bad options', () => {
    expect(() => createCatalog({ seed: 1, items: 0 })).toThrow(/items/);
    expect(() => createCatalog({ seed: 1.5 })).toThrow(/seed/);
    expect(() => createCatalog({ seed: 1, markets: [] })).toThrow(/markets/);
  });
});
