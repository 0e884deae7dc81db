import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/index.ts';
import { createMetricAccumulator, rankBlended, rankOf, tiedRank } from '../../src/batch/index.ts';
import { createSparseScores } from '../../src/models/index.ts';

describe('tied ranks', () => {
  it('gives a tied target the middle of the ranks it could take', () => {
    expect(tiedRank(0, 0)).toBe(1);
    expect(tiedRank(3, 0)).toBe(4);
    // beaten by 2, tied with 3 others: ranks 3..6 possible, mean 4.5
    expect(tiedRank(2, 3)).toBe(4.5);
  });

  it('ranks over items 1..n, skipping padding and excluded items', () => {
    //                 0    1    2    3    4    5    6
    const scores = [99, 0.5, 0.9, 0.5, 0.1, 0.5, 0.7];
    expect(rankOf(scores, 2)).toBe(1);
    // target 1 (0.5): beaten by items 2 and 6, tied with items 3 and 5 → 2 + 2/2 + 1
    expect(rankOf(scores, 1)).toBe(4);
    // excluding item 2 and item 3 from the ranking: beaten by 6, tied with 5 → 1 + 0.5 + 1
    expect(rankOf(scores, 1, new Set([2, 3]))).toBe(2.5);
    // a target in the excluded history never ranks
    expect(rankOf(scores, 2, new Set([2]))).toBe(Infinity);
  });
});

describe('metric accumulator', () => {
  it('matches hand-computed HR, NDCG and MRR', () => {
    const acc = createMetricAccumulator();
    for (const r of [1, 4, 2.5, 15, 30, Infinity]) acc.add(r);
    const m = acc.sequential();
    expect(acc.count).toBe(6);
    expect(m.hr10).toBeCloseTo(3 / 6, 12);
    expect(m.hr20).toBeCloseTo(4 / 6, 12);
    const g = (r: number): number => 1 / Math.log2(r + 1);
    expect(m.ndcg10).toBeCloseTo((1 + g(4) + g(2.5)) / 6, 12);
    expect(m.ndcg20).toBeCloseTo((1 + g(4) + g(2.5) + g(15)) / 6, 12);
    const s = acc.session();
    expect(s.p20).toBeCloseTo((100 * 4) / 6, 10);
    expect(s.mrr20).toBeCloseTo((100 * (1 + 1 / 4 + 1 / 2.5 + 1 / 15)) / 6, 10);
  });

  it('reports zeros, not NaN, when empty', () => {
    expect(createMetricAccumulator().sequential()).toEqual({ hr10: 0, ndcg10: 0, hr20: 0, ndcg20: 0 });
  });
});

describe('rankBlended', () => {
  it('equals the dense tied rank for popularity plus sparse scores, with exclusions', () => {
    const rng = createRng(42);
    for (let trial = 0; trial < 200; trial++) {
      const n = 30;
      // coarse values so that ties are frequent
      const values = new Float64Array(n + 1);
      for (let i = 1; i <= n; i++) values[i] = rng.int(5) / 4;
      const sorted = values.slice(1).sort();
      const weight = [0, 0.5, 1][rng.int(3)] as number;
      const sparse = createSparseScores(n);
      for (let k = 0; k < 8; k++) sparse.add(1 + rng.int(n), rng.int(3) * 0.25);
      const excluded = new Set<number>();
      for (let k = 0; k < 4; k++) excluded.add(1 + rng.int(n));
      const dense = new Float64Array(n + 1);
      for (let i = 1; i <= n; i++) dense[i] = weight * (values[i] as number) + sparse.get(i);
      const target = 1 + rng.int(n);
      expect(rankBlended({ weight, values, sorted }, sparse, target, excluded)).toBe(rankOf(dense, target, excluded));
    }
  });
});
