import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/index.ts';
import { createVectorArena } from '../../src/core/index.ts';
import { BoundedCounts } from '../../src/features/neighbours.ts';

/** The rule spelled out on a plain array: add, then drop the earliest-inserted lowest while over max. */
function reference(): {
  add(k: string, by: number, max: number): void;
  top(n: number): { id: string; score: number }[];
  entries(): [string, number][];
} {
  let rows: { id: string; score: number }[] = [];
  return {
    add(k, by, max) {
      const row = rows.find((r) => r.id === k);
      if (row !== undefined) {
        row.score += by;
        if (row.score <= 0) rows = rows.filter((r) => r !== row);
        return;
      }
      if (by <= 0) return;
      rows.push({ id: k, score: by });
      while (rows.length > max) {
        let at = 0;
        for (let i = 1; i < rows.length; i++) if ((rows[i]?.score ?? 0) < (rows[at]?.score ?? 0)) at = i;
        rows.splice(at, 1);
      }
    },
    top(n) {
      return rows
        .map((r) => ({ ...r }))
        .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
        .slice(0, n);
    },
    entries: () => rows.map((r): [string, number] => [r.id, r.score]),
  };
}

describe('bounded counts', () => {
  it('follows the drop-the-earliest-lowest rule under random adds, removals and restores', () => {
    const rng = createRng(3);
    let bc = new BoundedCounts();
    const ref = reference();
    for (let step = 0; step < 5000; step++) {
      const key = `k${rng.int(30)}`;
      const by = rng.next() < 0.1 ? -1 - rng.int(3) : 1 + rng.int(3);
      bc.add(key, by, 8);
      ref.add(key, by, 8);
      if (step % 500 === 0) bc = BoundedCounts.from(bc.entries());
      if (step % 37 === 0) expect(bc.top(20)).toEqual(ref.top(20));
    }
    expect(bc.size).toBeLessThanOrEqual(8);
  });

  it('keeps the same entries in the same order as the rule, step by step, full lists and ties included', () => {
    const rng = createRng(17);
    for (const max of [1, 2, 5, 50]) {
      const bc = new BoundedCounts();
      const ref = reference();
      for (let step = 0; step < 4000; step++) {
        const key = `k${rng.int(max * 3 + 2)}`;
        // Mostly +1 (ties everywhere, as co-views make them), some larger, fractional and negative.
        const r = rng.next();
        const by = r < 0.7 ? 1 : r < 0.8 ? 2 + rng.int(3) : r < 0.9 ? 0.5 : -1 - rng.int(2);
        bc.add(key, by, max);
        ref.add(key, by, max);
        if (JSON.stringify(bc.entries()) !== JSON.stringify(ref.entries())) {
          throw new Error(`max ${max}, step ${step} (${key} ${by}): ${JSON.stringify(bc.entries())} != ${JSON.stringify(ref.entries())}`);
        }
      }
      expect(bc.size).toBe(ref.entries().length);
    }
  });

  it('lets a newcomer displace the oldest neighbour of equal weight', () => {
    const bc = new BoundedCounts();
    for (const k of ['a', 'b', 'c']) bc.add(k, 1, 3);
    bc.add('d', 1, 3);
    expect(bc.top(5).map((s) => s.id)).toEqual(['b', 'c', 'd']);
    expect(bc.get('a')).toBeUndefined();
    expect(bc.get('d')).toBe(1);
  });
});

describe('bounded counts reads', () => {
  it('gives the n best of a full sort for every n, ties by id, fractional and negative additions included', () => {
    const rng = createRng(9);
    const bc = new BoundedCounts();
    for (let step = 0; step < 400; step++) bc.add(`k${rng.int(60)}`, rng.next() < 0.2 ? -1 : 1 + rng.int(3) / 2, 40);
    const all = bc.entries().map(([id, score]) => ({ id, score }));
    all.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
    expect(new Set(all.map((e) => e.score)).size).toBeLessThan(all.length); // ties exist
    for (let n = 0; n <= all.length + 2; n++) expect(bc.top(n)).toEqual(all.slice(0, n));
  });

  it('lists entries in insertion order, a removed and re-added key at the end', () => {
    const bc = new BoundedCounts();
    for (const k of ['a', 'b', 'c', 'd']) bc.add(k, 2, 10);
    bc.add('b', -2, 10);
    bc.add('a', 1, 10);
    bc.add('b', 5, 10);
    expect(bc.entries()).toEqual([
      ['a', 3],
      ['c', 2],
      ['d', 2],
      ['b', 5],
    ]);
    // Over the bound the earliest inserted of the lowest goes: c, not d.
    bc.add('e', 2, 4);
    expect(bc.entries().map(([k]) => k)).toEqual(['a', 'd', 'b', 'e']);
  });
});

describe('vector arena', () => {
  it('hands out zeroed, independent vectors and copies', () => {
    const arena = createVectorArena(8);
    const a = arena.alloc(3);
    const b = arena.copy(Float32Array.from([1, 2, 3]));
    const c = arena.alloc(20);
    a[0] = 5;
    expect(Array.from(a)).toEqual([5, 0, 0]);
    expect(Array.from(b)).toEqual([1, 2, 3]);
    expect(c.length).toBe(20);
    expect(Array.from(c).every((x) => x === 0)).toBe(true);
    expect(() => createVectorArena(0)).toThrow(/chunkFloats/);
  });
});
