import { describe, expect, it } from 'vitest';
import { leaveOneOut, sessionHoldout, sessionPrefixes } from '../../src/batch/index.ts';

const seqs = [Int32Array.of(1, 2, 3, 4), Int32Array.of(5, 6, 7), Int32Array.of(8, 9), Int32Array.of(10)];

describe('leave-one-out', () => {
  it('tests the last item on everything before it, history excluded', () => {
    const s = leaveOneOut(seqs, 'test');
    expect(s.train.map((t) => [...t])).toEqual([[1, 2, 3], [5, 6], [8], []]);
    expect(s.cases.map((c) => [c.target, [...c.history], [...c.excluded], c.self])).toEqual([
      [4, [1, 2, 3], [1, 2, 3], 0],
      [7, [5, 6], [5, 6], 1],
      [9, [8], [8], 2],
    ]);
  });

  it('validates on the second-to-last item and never lets the statistics see it', () => {
    const s = leaveOneOut(seqs, 'validation');
    expect(s.train.map((t) => [...t])).toEqual([[1, 2], [5], [], []]);
    expect(s.cases.map((c) => [c.target, [...c.history]])).toEqual([
      [3, [1, 2]],
      [6, [5]],
    ]);
    for (const c of s.cases) expect(s.train.some((t) => t.includes(c.target))).toBe(false);
  });
});

describe('session prefixes', () => {
  it('expands a session into every prefix and its next item', () => {
    expect(sessionPrefixes(Int32Array.of(3, 1, 3)).map((c) => [[...c.prefix], c.target])).toEqual([
      [[3], 1],
      [[3, 1], 3],
    ]);
  });

  it('holds out the latest sessions, excluding nothing', () => {
    const sessions = Array.from({ length: 10 }, (_, i) => Int32Array.of(i + 1, i + 2));
    const s = sessionHoldout(sessions, 0.2);
    expect(s.train).toHaveLength(8);
    expect(s.cases.map((c) => c.target)).toEqual([10, 11]);
    expect(s.cases.every((c) => c.excluded.size === 0 && c.self === -1)).toBe(true);
    expect(() => sessionHoldout(sessions, 1)).toThrow(RangeError);
  });
});
