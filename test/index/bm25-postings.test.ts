import { describe, expect, it } from 'vitest';
import { addPosting, dropPosting, type Postings } from '../../src/index/bm25-postings.ts';

describe('bm25 postings', () => {
  it('grows past its first room, swap-removes, and forgets an emptied token', () => {
    const postings: Postings = new Map();
    for (let slot = 0; slot < 9; slot++) addPosting(postings, 'a', slot, slot + 1);
    const p = postings.get('a');
    expect(p?.n).toBe(9);
    dropPosting(postings, 'a', 2);
    expect(Array.from(p?.docs.subarray(0, p.n) ?? [])).toEqual([0, 1, 8, 3, 4, 5, 6, 7]);
    expect(p?.tfs[2]).toBe(9);
    dropPosting(postings, 'a', 42);
    expect(p?.n).toBe(8);
    for (const slot of [0, 1, 8, 3, 4, 5, 6, 7]) dropPosting(postings, 'a', slot);
    expect(postings.has('a')).toBe(false);
  });
});
