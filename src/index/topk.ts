import { grow } from '../core/index.ts';
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
  return new TopKHeap(initialCapacity);
}

/**
 * The heap as three parallel typed arrays: score, the caller's slot and the order of the offer
 * (which breaks ties). The root is the worst candidate kept.
 */
class TopKHeap implements TopK {
  private scores: Float64Array<ArrayBuffer>;
  private slots: Int32Array<ArrayBuffer>;
  /** Insertion order, for stable ties. */
  private order: Float64Array<ArrayBuffer>;
  private size = 0;
  private limit = 0;
  private seq = 0;

  constructor(initialCapacity: number) {
    this.scores = new Float64Array(initialCapacity);
    this.slots = new Int32Array(initialCapacity);
    this.order = new Float64Array(initialCapacity);
  }

  reset(k: number): void {
    this.limit = Math.max(0, Math.floor(k));
    this.size = 0;
    this.seq = 0;
    this.ensure(this.limit + 1);
  }

  push(score: number, slot: number): void {
    if (this.limit === 0) return;
    const o = this.seq++;
    if (this.size < this.limit) {
      this.scores[this.size] = score; this.slots[this.size] = slot; this.order[this.size] = o;
      this.siftUp(this.size++);
      return;
    }
    // Replace the root (the worst kept) only when strictly better: ties keep the earlier one.
    if (score <= (this.scores[0] as number)) return;
    this.scores[0] = score; this.slots[0] = slot; this.order[0] = o;
    this.siftDown(0);
  }

  drain(idOf: (slot: number) => string): Scored[] {
    const out: Scored[] = new Array<Scored>(this.size);
    for (let i = this.size - 1; i >= 0; i--) {
      out[i] = { id: idOf(this.slots[0] as number), score: this.scores[0] as number };
      this.size--;
      if (this.size > 0) {
        this.swap(0, this.size);
        this.siftDown(0);
      }
    }
    return out;
  }

  /** a is "worse" than b: lower score, or same score but offered later. */
  private worse(a: number, b: number): boolean {
    const sa = this.scores[a] as number;
    const sb = this.scores[b] as number;
    return sa < sb || (sa === sb && (this.order[a] as number) > (this.order[b] as number));
  }

  private swap(a: number, b: number): void {
    const { scores, slots, order } = this;
    const s = scores[a] as number, l = slots[a] as number, o = order[a] as number;
    scores[a] = scores[b] as number; slots[a] = slots[b] as number; order[a] = order[b] as number;
    scores[b] = s; slots[b] = l; order[b] = o;
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.worse(i, p)) return;
      this.swap(i, p);
      i = p;
    }
  }

  private siftDown(i: number): void {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < this.size && this.worse(l, m)) m = l;
      if (r < this.size && this.worse(r, m)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }

  /** Room for `n` entries, made at `reset` only, so a query never reallocates. */
  private ensure(n: number): void {
    if (n <= this.scores.length) return;
    this.scores = grow(this.scores, n);
    this.slots = grow(this.slots, n);
    this.order = grow(this.order, n);
  }
}
