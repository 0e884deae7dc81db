import { describe, expect, it } from 'vitest';
import { createRng, dot, isMeridianError, normalizedCopy } from '../../src/core/index.ts';
import type { Rng } from '../../src/core/index.ts';
import type { VectorIndex } from '../../src/index/index.ts';

export const DIM = 16;

export function randomVector(rng: Rng, dim = DIM): Float32Array {
  const v = new Float32Array(dim);
  for (let i = 0; i < dim; i++) v[i] = rng.normal();
  return v;
}

/** A vector close to `v` (same direction plus a little noise). */
export function near(rng: Rng, v: Float32Array, noise = 0.05): Float32Array {
  const out = normalizedCopy(v);
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) + noise * rng.normal();
  return out;
}

const ids = (r: { id: string }[]): string[] => r.map((x) => x.id);

/** Behaviour every VectorIndex adapter must have; `make` builds a fresh, empty index of DIM. */
export function vectorIndexContract(name: string, make: (opts: { initialCapacity: number }) => VectorIndex): void {
  describe(`${name}: VectorIndex contract`, () => {
    const fill = (index: VectorIndex, rng: Rng, n: number, markets: readonly string[] = ['de']): Float32Array[] => {
      const out: Float32Array[] = [];
      for (let i = 0; i < n; i++) {
        const v = randomVector(rng);
        index.upsert(`i${i}`, v, markets);
        out.push(v);
      }
      return out;
    };

    it('stores unit vectors and scores by inner product, best first', () => {
      const rng = createRng(1);
      const index = make({ initialCapacity: 64 });
      const vs = fill(index, rng, 40);
      const stored = index.vector('i3');
      expect(stored).toBeDefined();
      expect(Math.sqrt(dot(stored!, stored!))).toBeCloseTo(1, 5);
      expect(dot(stored!, vs[3]!)).toBeGreaterThan(0);
      const q = normalizedCopy(randomVector(rng));
      const res = index.search('de', q, 10);
      expect(res).toHaveLength(10);
      for (let i = 0; i < res.length; i++) {
        const r = res[i]!;
        expect(r.score).toBeCloseTo(dot(q, index.vector(r.id)!), 4);
        if (i > 0) expect(r.score).toBeLessThanOrEqual(res[i - 1]!.score);
      }
      // Querying with an item's own (unit) vector finds it first with cosine 1; the score is the
      // inner product with the query as given, so an unnormalized query scales it.
      const self = index.search('de', normalizedCopy(vs[7]!), 1);
      expect(self[0]?.id).toBe('i7');
      expect(self[0]?.score).toBeCloseTo(1, 4);
      const scaled = vs[7]!.map((x) => 3 * x);
      expect(index.search('de', scaled, 1)[0]?.score).toBeCloseTo(3 * Math.sqrt(dot(vs[7]!, vs[7]!)), 3);
    });

    it('grows past its initial capacity', () => {
      const rng = createRng(2);
      const index = make({ initialCapacity: 4 });
      const vs = fill(index, rng, 150);
      expect(index.size('de')).toBe(150);
      expect(index.size()).toBe(150);
      for (let i = 0; i < 150; i += 7) expect(index.search('de', vs[i]!, 1)[0]?.id).toBe(`i${i}`);
    });

    it('makes a removed item disappear at once, and reuses its place safely', () => {
      const rng = createRng(3);
      const index = make({ initialCapacity: 8 });
      const vs = fill(index, rng, 30);
      index.remove('i5');
      expect(index.has('i5')).toBe(false);
      expect(index.vector('i5')).toBeUndefined();
      expect(index.size('de')).toBe(29);
      expect(ids(index.search('de', vs[5]!, 29))).not.toContain('i5');
      index.upsert('fresh', vs[5]!, ['de']);
      expect(index.search('de', vs[5]!, 1)[0]?.id).toBe('fresh');
      index.remove('fresh');
      index.remove('fresh'); // removing twice is harmless
      index.remove('never-added');
      expect(ids(index.search('de', vs[5]!, 100))).not.toContain('fresh');
      expect(index.search('de', vs[5]!, 100)).toHaveLength(29);
    });

    it('moves an item between markets on upsert', () => {
      const rng = createRng(4);
      const index = make({ initialCapacity: 16 });
      const vs = fill(index, rng, 20, ['de', 'fr']);
      index.upsert('i0', vs[0]!, ['fr', 'it']);
      expect(ids(index.search('de', vs[0]!, 20))).not.toContain('i0');
      expect(index.search('fr', vs[0]!, 1)[0]?.id).toBe('i0');
      expect(index.search('it', vs[0]!, 5)).toEqual([expect.objectContaining({ id: 'i0' })]);
      expect(index.size('de')).toBe(19);
      expect(index.size('fr')).toBe(20);
      expect(index.markets().sort()).toEqual(['de', 'fr', 'it']);
      index.upsert('i0', vs[0]!, []);
      expect(index.has('i0')).toBe(true);
      expect(index.markets().sort()).toEqual(['de', 'fr']);
    });

    it('never returns an item of another market, and clamps k to the market size', () => {
      const rng = createRng(5);
      const index = make({ initialCapacity: 32 });
      const marketsOf = new Map<string, string[]>();
      for (let i = 0; i < 300; i++) {
        const roll = rng.int(3);
        const ms = roll === 0 ? ['de'] : roll === 1 ? ['fr'] : ['de', 'fr'];
        marketsOf.set(`i${i}`, ms);
        index.upsert(`i${i}`, randomVector(rng), ms);
      }
      for (let q = 0; q < 30; q++) {
        for (const r of index.search('de', randomVector(rng), 25)) expect(marketsOf.get(r.id)).toContain('de');
      }
      const inFr = [...marketsOf.values()].filter((ms) => ms.includes('fr')).length;
      const all = index.search('fr', randomVector(rng), 10_000);
      expect(all).toHaveLength(inFr);
      expect(new Set(ids(all)).size).toBe(inFr);
      expect(index.search('us', randomVector(rng), 10)).toEqual([]);
      expect(index.search('de', randomVector(rng), 0)).toEqual([]);
    });

    it('still returns k results when exclude drops many of the nearest', () => {
      const rng = createRng(6);
      const index = make({ initialCapacity: 64 });
      fill(index, rng, 400);
      const q = randomVector(rng);
      const nearest = new Set(ids(index.search('de', q, 60)));
      const res = index.search('de', q, 10, (id) => nearest.has(id));
      expect(res).toHaveLength(10);
      for (const r of res) expect(nearest.has(r.id)).toBe(false);
      // Only three survive the exclusion: all three come back, nothing else.
      const keep = new Set(['i1', 'i2', 'i3']);
      expect(ids(index.search('de', q, 10, (id) => !keep.has(id))).sort()).toEqual(['i1', 'i2', 'i3']);
    });

    it('leaves out an excluded set, still returning k, the same as the equivalent callback', () => {
      const rng = createRng(12);
      const index = make({ initialCapacity: 64 });
      fill(index, rng, 400, ['de', 'fr']);
      index.upsert('fr-only', randomVector(rng), ['fr']);
      const q = randomVector(rng);
      const nearest = ids(index.search('de', q, 60));
      // Ids the market does not hold (another market's, unknown) do not count against k.
      const excluded = new Set([...nearest.slice(0, 40), 'fr-only', 'never-added']);
      const res = index.search('de', q, 10, undefined, { excluded });
      expect(res).toHaveLength(10);
      for (const r of res) expect(excluded.has(r.id)).toBe(false);
      expect(ids(res)).toEqual(ids(index.search('de', q, 10, (id) => excluded.has(id))));
      // The set and a callback together: both apply.
      const both = index.search('de', q, 10, (id) => id === ids(res)[0], { excluded });
      expect(both).toHaveLength(10);
      expect(ids(both)).not.toContain(ids(res)[0]);
      for (const r of both) expect(excluded.has(r.id)).toBe(false);
      // Excluding all but three returns the three; excluding everything returns nothing.
      const all = ids(index.search('de', q, 1000));
      const keep = new Set(['i1', 'i2', 'i3']);
      expect(ids(index.search('de', q, 10, undefined, { excluded: new Set(all.filter((id) => !keep.has(id))) })).sort()).toEqual(['i1', 'i2', 'i3']);
      expect(index.search('de', q, 10, undefined, { excluded: new Set(all) })).toEqual([]);
    });

    it('replaces the vector on upsert, which changes the neighbours', () => {
      const rng = createRng(7);
      const index = make({ initialCapacity: 64 });
      const vs = fill(index, rng, 200);
      const before = ids(index.search('de', vs[10]!, 5));
      expect(before[0]).toBe('i10');
      const target = vs[50]!;
      index.upsert('i10', near(rng, target), ['de']);
      expect(ids(index.search('de', target, 2)).sort()).toEqual(['i10', 'i50']);
      expect(ids(index.search('de', vs[10]!, 5))).not.toContain('i10');
      expect(dot(index.vector('i10')!, normalizedCopy(target))).toBeGreaterThan(0.9);
      expect(index.size('de')).toBe(200);
    });

    it('stays consistent under churn (upserts, moves and removes)', () => {
      const rng = createRng(8);
      const index = make({ initialCapacity: 8 });
      const truth = new Map<string, { v: Float32Array; ms: string[] }>();
      const markets = ['de', 'fr', 'jp'];
      for (let step = 0; step < 1500; step++) {
        const id = `i${rng.int(120)}`;
        if (rng.next() < 0.3) {
          index.remove(id);
          truth.delete(id);
        } else {
          const ms = markets.filter(() => rng.next() < 0.5);
          const v = randomVector(rng);
          index.upsert(id, v, ms);
          truth.set(id, { v, ms });
        }
      }
      expect(index.size()).toBe(truth.size);
      for (const m of markets) {
        const members = [...truth].filter(([, t]) => t.ms.includes(m)).map(([id]) => id);
        expect(index.size(m)).toBe(members.length);
        expect(ids(index.search(m, randomVector(rng), 1000)).sort()).toEqual(members.sort());
      }
      for (const [id, t] of truth) {
        for (const m of t.ms) expect(index.search(m, t.v, 1)[0]?.id).toBe(id);
      }
    });

    it('refuses vectors of the wrong dimension or with NaN', () => {
      const index = make({ initialCapacity: 8 });
      const err = (fn: () => unknown): unknown => {
        try {
          fn();
        } catch (e) {
          return e;
        }
        return undefined;
      };
      const e1 = err(() => index.upsert('a', new Float32Array(DIM + 1), ['de']));
      expect(isMeridianError(e1) && e1.code).toBe('vector_dim_mismatch');
      const bad = new Float32Array(DIM);
      bad[2] = Number.NaN;
      const e2 = err(() => index.upsert('a', bad, ['de']));
      expect(isMeridianError(e2) && e2.code).toBe('vector_not_finite');
      index.upsert('a', randomVector(createRng(9)), ['de']);
      const e3 = err(() => index.search('de', new Float32Array(3), 1));
      expect(isMeridianError(e3) && e3.code).toBe('vector_dim_mismatch');
      expect(index.has('a')).toBe(true);
    });
  });
}
