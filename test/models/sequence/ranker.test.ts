import { describe, expect, it } from 'vitest';
import { ItemColumns } from '../../../src/models/sequence/items.ts';
import { BestHits } from '../../../src/models/sequence/ranker.ts';

describe('best hits', () => {
  it('keep the n best, higher score first, then lower id', () => {
    const best = new BestHits();
    best.reset(3);
    for (const [sc, id] of [[1, 5], [2, 9], [1, 2], [3, 7], [2, 4], [0, 1]] as const) if (best.enters(3, sc, id)) best.insert(3, sc, id);
    expect(best.count).toBe(3);
    expect([...best.ids.subarray(0, 3)]).toEqual([7, 4, 9]);
    expect([...best.scores.subarray(0, 3)]).toEqual([3, 2, 2]);
    expect(best.enters(3, 2, 10)).toBe(false);
    expect(best.enters(3, 2, 1)).toBe(true);
  });
});

describe('item columns', () => {
  it('intern names to ids from 1 and keep the most popular in order (occurrences, then id)', () => {
    const items = new ItemColumns(2);
    const occ = new Float64Array(8);
    const see = (name: string): void => {
      const id = items.intern(name);
      occ[id] = (occ[id] as number) + 1;
      items.bump(id, occ);
    };
    for (const name of ['a', 'b', 'c', 'c', 'b', 'c']) see(name);
    expect(items.count).toBe(3);
    expect(items.id('c')).toBe(3);
    expect(items.id('zz')).toBeUndefined();
    expect([...items.top.subarray(0, items.topLength)]).toEqual([3, 2]);
    expect(items.pos[1]).toBe(-1);
    expect(items.maxOcc).toBe(3);
    expect([...items.toIds(['c', 'zz', 'a'])]).toEqual([3, 1]);
  });
});
