import type { Scored } from '../core/index.ts';

/**
 * A bounded min-heap of (score, slot) pairs that keeps the `k` best: O(n log k) over n candidates
 * instead of sorting every match. Reusable across queries (`reset`), so a search allocates only
 * its result list. Ties keep the candidate offered first, which makes rankings deterministic.
 */
export interface TopK {
  reset(k: number): void;
  /** Offers a candidate; `slot` is any int the caller maps back to an id. */
  push(score: number, slot: number): void;
  /** The kept candidates, best first, with ids from `idOf`; empties the heap. */
  drain(idOf: (slot: number) => string): Scored[];
}

export function createTopK(initialCapacity = 64): TopK {
  let scores = new Float64Array(initialCapacity);
  let slots = new Int32Array(initialCapacity);
  let order = new Float64Array(initialCapacity); // insertion order, for stable ties
  let size = 0;
  let limit = 0;
  let seq = 0;

  // a is "worse" than b: lower score, or same score but offered later.
  const worse = (a: number, b: number): boolean => {
    const sa = scores[a] as number;
    const sb = scores[b] as number;
    return sa < sb || (sa === sb && (order[a] as number) > (order[b] as number));
  };
  const swap = (a: number, b: number): void => {
    const s = scores[a] as number, l = slots[a] as number, o = order[a] as number;
    scores[a] = scores[b] as number; slots[a] = slots[b] as number; order[a] = order[b] as number;
    scores[b] = s; slots[b] = l; order[b] = o;
  };
  const siftUp = (i: number): void => {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!worse(i, p)) return;
      swap(i, p);
      i = p;
    }
  };
  const siftDown = (i: number): void => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < size && worse(l, m)) m = l;
      if (r < size && worse(r, m)) m = r;
      if (m === i) return;
      swap(i, m);
      i = m;
    }
  };
  const ensure = (n: number): void => {
    if (n <= scores.length) return;
    let cap = scores.length;
    while (cap < n) cap *= 2;
    const s = new Float64Array(cap); s.set(scores); scores = s;
    const l = new Int32Array(cap); l.set(slots); slots = l;
    const o = new Float64Array(cap); o.set(order); order = o;
  };

  return {
    reset(k) {
      limit = Math.max(0, Math.floor(k));
      size = 0;
      seq = 0;
      ensure(limit + 1);
    },
    push(score, slot) {
      if (limit === 0) return;
      const o = seq++;
      if (size < limit) {
        scores[size] = score; slots[size] = slot; order[size] = o;
        siftUp(size++);
        return;
      }
      // Replace the root (the worst kept) only when strictly better: ties keep the earlier one.
      if (score <= (scores[0] as number)) return;
      scores[0] = score; slots[0] = slot; order[0] = o;
      siftDown(0);
    },
    drain(idOf) {
      const out: Scored[] = new Array<Scored>(size);
      for (let i = size - 1; i >= 0; i--) {
        out[i] = { id: idOf(slots[0] as number), score: scores[0] as number };
        size--;
        if (size > 0) {
          swap(0, size);
          siftDown(0);
        }
      }
      return out;
    },
  };
}
