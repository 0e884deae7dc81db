import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/index.ts';
import { log2AddExp } from '../../src/features/index.ts';
import { createTrendBoard } from '../../src/features/trending.ts';

describe('log2AddExp', () => {
  it('is log2(2^a + 2^b), stable far beyond the float range', () => {
    expect(log2AddExp(3, 3)).toBeCloseTo(4, 12);
    expect(log2AddExp(0, Math.log2(3))).toBeCloseTo(2, 12);
    expect(log2AddExp(-Infinity, 5)).toBe(5);
    expect(log2AddExp(20_000, 20_001)).toBeCloseTo(20_001 + Math.log2(1.5), 9);
    expect(log2AddExp(20_000, 10)).toBe(20_000);
  });
});

describe('trend board', () => {
  it('matches a full sort after random adds and removes, whatever the kept top size', () => {
    const rng = createRng(7);
    for (const cap of [1, 3, 8, 1000]) {
      const board = createTrendBoard(cap);
      const ref = new Map<string, number>();
      for (let step = 0; step < 3000; step++) {
        const item = `i${rng.int(40)}`;
        if (rng.next() < 0.03) {
          board.remove(item);
          ref.delete(item);
          continue;
        }
        const w = 1 + rng.int(5);
        const ts = step * 1000 + rng.int(5000);
        board.add(item, w, ts, 60_000);
        ref.set(item, log2AddExp(ref.get(item) ?? -Infinity, Math.log2(w) + ts / 60_000));
        if (step % 97 === 0) {
          const n = 1 + rng.int(12);
          const want = Array.from(ref, ([id, score]) => ({ id, score }))
            .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
            .slice(0, n);
          expect(board.top(n)).toEqual(want);
        }
      }
      // What a snapshot writes: every score, in the order items first arrived (again after a removal).
      expect(Array.from(board.entries())).toEqual(Array.from(ref));
    }
  });

  it('restores stored scores as they were (a snapshot), then keeps the top list exact on new adds', () => {
    const rng = createRng(4);
    const a = createTrendBoard(5);
    for (let step = 0; step < 500; step++) a.add(`i${rng.int(30)}`, 1 + rng.int(4), step * 7_000, 60_000);
    const saved = Array.from(a.entries());
    const b = createTrendBoard(5);
    for (const [item, score] of saved) b.set(item, score);
    expect(Array.from(b.entries())).toEqual(saved);
    expect(b.top(12)).toEqual(a.top(12));
    for (let step = 500; step < 700; step++) {
      const item = `i${rng.int(35)}`;
      const w = 1 + rng.int(4);
      a.add(item, w, step * 7_000, 60_000);
      b.add(item, w, step * 7_000, 60_000);
      if (step % 13 === 0) expect(b.top(1 + (step % 8))).toEqual(a.top(1 + (step % 8)));
    }
    expect(b.top(40)).toEqual(a.top(40));
  });

  it('hands out copies, so a reader cannot disturb the order', () => {
    const board = createTrendBoard(10);
    board.add('a', 1, 0, 1000);
    board.add('b', 2, 0, 1000);
    const top = board.top(2);
    (top[0] as { score: number }).score = -5;
    expect(board.top(2).map((s) => s.id)).toEqual(['b', 'a']);
  });
});
