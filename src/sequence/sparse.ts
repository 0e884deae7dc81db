/**
 * A reusable sparse score accumulator over item ids: a dense value array, a stamp per item saying
 * whether its value belongs to the current round, and the list of touched ids. Resetting bumps the
 * round (O(1)); a value is written, not added, on an item's first touch of a round, so no array is
 * ever cleared (except once per 2^31 rounds, when the stamp wraps).
 */
export interface SparseScores {
  readonly size: number;
  /** The i-th touched item id (0 <= i < size). */
  id(i: number): number;
  get(item: number): number;
  add(item: number, value: number): void;
  /** Largest value among touched items (0 when empty). */
  max(): number;
  reset(): void;
}

// A class, not an object of closures: every accumulator shares one set of methods, so the scoring
// loops' calls stay monomorphic and are inlined.
class SparseAccumulator implements SparseScores {
  private values: Float64Array;
  private stamps: Int32Array;
  private stamp = 1;
  private ids = new Int32Array(256);
  private count = 0;

  constructor(capacity: number) {
    this.values = new Float64Array(capacity + 1);
    this.stamps = new Int32Array(capacity + 1);
  }

  get size(): number {
    return this.count;
  }

  id(i: number): number {
    return this.ids[i] as number;
  }

  get(item: number): number {
    return this.stamps[item] === this.stamp ? (this.values[item] as number) : 0;
  }

  add(item: number, value: number): void {
    if (item >= this.values.length) this.ensure(item);
    const values = this.values;
    if (this.stamps[item] === this.stamp) {
      values[item] = (values[item] as number) + value;
      return;
    }
    this.touch(item, value);
  }

  /** this.add(id, (w * from's value) / m) for each of from's ids, in their order. */
  addScaled(from: SparseAccumulator, w: number, m: number): void {
    const ids = from.ids;
    const values = from.values;
    for (let i = 0; i < from.count; i++) {
      const id = ids[i] as number;
      this.add(id, (w * (values[id] as number)) / m);
    }
  }

  max(): number {
    let m = 0;
    for (let i = 0; i < this.count; i++) m = Math.max(m, this.values[this.ids[i] as number] as number);
    return m;
  }

  reset(): void {
    this.count = 0;
    if (this.stamp === 0x7fffffff) {
      this.stamps.fill(0);
      this.stamp = 0;
    }
    this.stamp++;
  }

  private touch(item: number, value: number): void {
    if (item >= this.values.length) this.ensure(item);
    this.stamps[item] = this.stamp;
    if (this.count === this.ids.length) this.growIds();
    this.ids[this.count++] = item;
    // 0 + value, as a cleared slot would sum (it turns -0 into 0).
    this.values[item] = 0 + value;
  }

  private ensure(item: number): void {
    const n = Math.max(item + 1, this.values.length * 2);
    const v = new Float64Array(n);
    v.set(this.values);
    this.values = v;
    const m = new Int32Array(n);
    m.set(this.stamps);
    this.stamps = m;
  }

  private growIds(): void {
    const b = new Int32Array(this.ids.length * 2);
    b.set(this.ids);
    this.ids = b;
  }
}

/** acc.add(id, (w * from.get(id)) / m) for each of from's ids, in order (a direct loop when both are this module's). */
export function addScaled(acc: SparseScores, from: SparseScores, w: number, m: number): void {
  if (acc instanceof SparseAccumulator && from instanceof SparseAccumulator) {
    acc.addScaled(from, w, m);
    return;
  }
  for (let i = 0; i < from.size; i++) {
    const id = from.id(i);
    acc.add(id, (w * from.get(id)) / m);
  }
}

export function createSparseScores(capacity = 1024): SparseScores {
  return new SparseAccumulator(capacity);
}
