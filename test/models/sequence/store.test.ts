import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/core/index.ts';
import { BlockArena } from '../../../src/models/sequence/arena.ts';
import { createSequenceStore } from '../../../src/models/sequence/store.ts';

const contents = (store: ReturnType<typeof createSequenceStore>, id: number): number[] => {
  const o = store.offset(id);
  return [...store.page(id).subarray(o, o + store.length(id))];
};

describe('sequence store', () => {
  it('keeps interleaved growing sequences intact while their blocks move and are reused', () => {
    const rng = createRng(21);
    const arena = new BlockArena(16);
    const store = createSequenceStore(arena);
    const ref: number[][] = [];
    for (let step = 0; step < 40_000; step++) {
      // New sequences keep arriving, so freed small blocks are taken again.
      if (ref.length === 0 || rng.next() < 0.05) {
        expect(store.begin()).toBe(ref.length);
        ref.push([]);
      }
      const id = rng.int(ref.length);
      const v = rng.int(1_000_000);
      store.push(id, v);
      (ref[id] as number[]).push(v);
    }
    expect(store.count).toBe(ref.length);
    let held = 0;
    ref.forEach((want, id) => {
      expect(contents(store, id)).toEqual(want);
      expect(store.capacity(id)).toBeGreaterThanOrEqual(Math.max(4, want.length));
      expect(store.capacity(id)).toBeLessThan(Math.max(8, 2 * want.length));
      held += store.capacity(id);
    });
    expect(arena.held).toBe(held);
    // Freed blocks are reused: the pages hold little more than twice what is in use.
    expect(arena.bytes()).toBeLessThan(4 * 3 * held);
    expect(store.length(ref.length)).toBe(0);
    expect(store.length(-1)).toBe(0);
  });

  it('gives a sequence longer than a page a page of its own', () => {
    const store = createSequenceStore();
    const small = store.begin();
    const long = store.begin();
    store.push(small, 7);
    for (let k = 0; k < 150_000; k++) store.push(long, k);
    store.push(small, 8);
    expect(contents(store, small)).toEqual([7, 8]);
    const items = contents(store, long);
    expect(items).toHaveLength(150_000);
    expect(items.every((v, k) => v === k)).toBe(true);
    expect(store.capacity(long)).toBe(1 << 18);
  });
});

describe('block arena', () => {
  it('hands out disjoint blocks and reuses a freed block of the same size first', () => {
    const arena = new BlockArena(16);
    const a = arena.allocate(8);
    const b = arena.allocate(8);
    const c = arena.allocate(4);
    expect(new Set([a, b, c]).size).toBe(3);
    arena.release(b, 8);
    expect(arena.allocate(4)).not.toBe(b);
    expect(arena.allocate(8)).toBe(b);
    expect(arena.held).toBe(8 + 8 + 4 + 4);
  });
});
