import { describe, expect, it } from 'vitest';
import { createRng, dot, norm } from '../../../src/core/index.ts';
import { createDecayMixEncoder, createHashedContentEncoder } from '../../../src/models/index.ts';

const WORDS = {
  shoes: ['running', 'trail', 'leather', 'sneaker', 'boot', 'sole', 'lace', 'sport'],
  bags: ['tote', 'backpack', 'leather', 'travel', 'zip', 'shoulder', 'canvas', 'pocket'],
  kitchen: ['pan', 'knife', 'steel', 'pot', 'cast', 'iron', 'chef', 'wok'],
  toys: ['puzzle', 'blocks', 'wooden', 'doll', 'robot', 'kids', 'game', 'sport'],
};
const BRANDS = ['acme', 'nordwind', 'sakura', 'sol'];
const LOCALES = ['en', 'de', 'fr', 'ja'];

function catalog(seed: number, perCategory: number) {
  const rng = createRng(seed);
  const items: { category: string; titles: Record<string, string>; brand: string }[] = [];
  for (const [category, words] of Object.entries(WORDS)) {
    for (let i = 0; i < perCategory; i++) {
      const title = Array.from({ length: 3 }, () => rng.pick(words)).join(' ');
      items.push({ category, titles: { [rng.pick(LOCALES)]: `${title} ${rng.int(1000)}` }, brand: rng.pick(BRANDS) });
    }
  }
  return items;
}

describe('hashed content encoder', () => {
  const enc = createHashedContentEncoder({ dim: 64 });

  it('is deterministic across instances and unit length', () => {
    const item = { titles: { en: 'Red running shoe', ja: 'ランニングシューズ' }, descriptions: { en: 'Light' }, category: 'shoes', brand: 'Acme' };
    const a = enc.encode(item);
    const b = createHashedContentEncoder({ dim: 64 }).encode(item);
    expect(a).toBeInstanceOf(Float32Array);
    expect(a.length).toBe(64);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(norm(a)).toBeCloseTo(1, 5);
    expect(createHashedContentEncoder({ dim: 16 }).encode(item).length).toBe(16);
  });

  it('puts items of one category much closer to each other than to other categories', () => {
    const items = catalog(11, 25);
    const vecs = items.map((i) => enc.encode(i));
    let intra = 0;
    let intraN = 0;
    let inter = 0;
    let interN = 0;
    let nearestSame = 0;
    for (let i = 0; i < items.length; i++) {
      let best = -Infinity;
      let bestSame = false;
      for (let j = 0; j < items.length; j++) {
        if (i === j) continue;
        const c = dot(vecs[i] as Float32Array, vecs[j] as Float32Array);
        const same = items[i]?.category === items[j]?.category;
        if (same) {
          intra += c;
          intraN++;
        } else {
          inter += c;
          interN++;
        }
        if (c > best) {
          best = c;
          bestSame = same;
        }
      }
      if (bestSame) nearestSame++;
    }
    expect(intra / intraN).toBeGreaterThan(0.6);
    expect(Math.abs(inter / interN)).toBeLessThan(0.15);
    expect(nearestSame).toBe(items.length);
  });

  it('brings items with shared title words and brand closer within a category', () => {
    const a = enc.encode({ titles: { en: 'trail running shoe' }, category: 'shoes', brand: 'acme' });
    const b = enc.encode({ titles: { en: 'trail running shoe pro' }, category: 'shoes', brand: 'acme' });
    const c = enc.encode({ titles: { en: 'formal leather oxford' }, category: 'shoes', brand: 'sol' });
    expect(dot(a, b)).toBeGreaterThan(dot(a, c) + 0.1);
  });

  it('treats category paths as a hierarchy', () => {
    const v = (category: string) => enc.encode({ titles: { en: 'x' }, category });
    const running = v('shoes > running');
    expect(dot(running, v('shoes/boots'))).toBeGreaterThan(dot(running, v('bags')) + 0.2);
    expect(dot(running, v('Shoes/Running'))).toBeCloseTo(1, 5);
  });

  it('rejects a bad dim', () => {
    expect(() => createHashedContentEncoder({ dim: 0 })).toThrow(/dim/);
  });
});

describe('decay-mix user encoder', () => {
  const HALF = 30 * 60_000;
  const enc = createDecayMixEncoder({ dim: 4 });
  const item = Float32Array.from([1, 0, 0, 0]);
  const other = Float32Array.from([0, 1, 0, 0]);

  it('starts from the weighted item and leaves the state untouched', () => {
    const s1 = enc.step(undefined, item, 'click', 0);
    expect(Array.from(s1)).toEqual([2, 0, 0, 0]);
    const s2 = enc.step(s1, other, 'purchase', 0);
    expect(Array.from(s2)).toEqual([2, 4, 0, 0]);
    expect(Array.from(s1)).toEqual([2, 0, 0, 0]);
    expect(s2).not.toBe(s1);
  });

  it('halves the past after one half-life (default 30 minutes)', () => {
    const s1 = enc.step(undefined, item, 'add_to_cart', 0);
    const s2 = enc.step(s1, other, 'view', HALF);
    expect(Array.from(s2)).toEqual([1.5, 1, 0, 0]);
    const s3 = enc.step(s1, other, 'view', 2 * HALF);
    expect(s3[0]).toBeCloseTo(0.75, 6);
    // Out-of-order events do not amplify the past.
    expect(enc.step(s1, other, 'view', -HALF)[0]).toBe(3);
  });

  it('pulls away on remove_from_cart and takes custom weights and half-life', () => {
    expect(Array.from(enc.step(undefined, item, 'remove_from_cart', 0), (x) => x + 0)).toEqual([-1, 0, 0, 0]);
    const custom = createDecayMixEncoder({ dim: 4, halfLifeMs: 1000, weights: { view: 0.5 } });
    const s = custom.step(custom.step(undefined, item, 'view', 0), item, 'view', 1000);
    expect(s[0]).toBeCloseTo(0.75, 6);
  });

  it('queries with a unit copy', () => {
    const s = Float32Array.from([3, 4, 0, 0]);
    const q = enc.query(s);
    expect(Array.from(q)).toEqual([0.6000000238418579, 0.800000011920929, 0, 0]);
    expect(Array.from(s)).toEqual([3, 4, 0, 0]);
  });

  it('rejects mismatched dimensions and bad options; restarts a state of another size', () => {
    expect(() => enc.step(undefined, new Float32Array(3), 'view', 0)).toThrow(/dimensions/);
    expect(Array.from(enc.step(new Float32Array(8).fill(1), item, 'view', 0))).toEqual([1, 0, 0, 0]);
    expect(() => createDecayMixEncoder({ dim: 4, halfLifeMs: 0 })).toThrow(/halfLifeMs/);
    expect(() => createDecayMixEncoder({ dim: -1 })).toThrow(/dim/);
  });
});
