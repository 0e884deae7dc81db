import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/index.ts';
import { createTopK } from '../../src/index/topk.ts';

describe('top-k heap', () => {
  it('keeps the k best, best first, ties to the candidate offered first, across resets and growth', () => {
    const rng = createRng(3);
    const top = createTopK(2);
    for (const k of [0, 1, 3, 10, 200]) {
      const scores = Array.from({ length: 500 }, () => rng.int(20));
      top.reset(k);
      scores.forEach((s, i) => top.push(s, i));
      const expected = scores
        .map((score, i) => ({ id: `s${i}`, score, i }))
        .sort((a, b) => b.score - a.score || a.i - b.i)
        .slice(0, k)
        .map(({ id, score }) => ({ id, score }));
      expect(top.drain((slot) => `s${slot}`)).toEqual(expected);
    }
  });
});
