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

/**
 * Adds `v` to item `j` of a round (`stamps[j] === stamp`), or writes it on the item's first touch,
 * appending j to `ids[count]`; returns the new count. The bulk adds below read the accumulator's
 * arrays into locals once and call this per entry (it inlines), instead of reloading them through
 * `add` on every entry.
 */
function put(values: Float64Array, stamps: Int32Array, stamp: number, ids: Int32Array, count: number, j: number, v: number): number {
  if (stamps[j] === stamp) {
    values[j] = (values[j] as number) + v;
    return count;
  }
  stamps[j] = stamp;
  // 0 + v, as a cleared slot would sum (it turns -0 into 0).
  values[j] = 0 + v;
  ids[count] = j;
  return count + 1;
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

  /** Room for ids up to `item` and for `more` first touches, so that a bulk add checks nothing per entry. */
  reserve(item: number, more: number): void {
    if (item >= this.values.length) this.ensure(item);
    if (this.count + more > this.ids.length) this.growIds(this.count + more);
  }

  /** this.add(id, (w * from's value) / m) for each of from's ids, in their order. */
  addScaled(from: SparseAccumulator, w: number, m: number): void {
    this.reserve(from.values.length - 1, from.count);
    const { values, stamps, ids } = this;
    const stamp = this.stamp;
    let count = this.count;
    const fromIds = from.ids;
    const fromValues = from.values;
    for (let i = 0; i < from.count; i++) {
      const id = fromIds[i] as number;
      count = put(values, stamps, stamp, ids, count, id, (w * (fromValues[id] as number)) / m);
    }
    this.count = count;
  }

  /** this.add(pairs[e], (w * pairs[e + 1]) / (fh * norms[pairs[e]])) for e = from, from + 2, … < to. */
  addCosineRow(pairs: Int32Array, from: number, to: number, w: number, fh: number, norms: Float64Array, items: number): void {
    this.reserve(items, (to - from) >> 1);
    const { values, stamps, ids } = this;
    const stamp = this.stamp;
    let count = this.count;
    for (let e = from; e < to; e += 2) {
      const j = pairs[e] as number;
      count = put(values, stamps, stamp, ids, count, j, (w * (pairs[e + 1] as number)) / (fh * (norms[j] as number)));
    }
    this.count = count;
  }

  /** this.add(pairs[e], pairs[e + 1] * scale) for e = from, from + 2, … < to. */
  addCountRow(pairs: Int32Array, from: number, to: number, scale: number, items: number): void {
    this.reserve(items, (to - from) >> 1);
    const { values, stamps, ids } = this;
    const stamp = this.stamp;
    let count = this.count;
    for (let e = from; e < to; e += 2) {
      count = put(values, stamps, stamp, ids, count, pairs[e] as number, (pairs[e + 1] as number) * scale);
    }
    this.count = count;
  }

  /** See the exported addAround. */
  addAround(seq: Int32Array, o: number, m: number, length: number, sim: number, decay: Float64Array, before: number, items: number): void {
    this.reserve(items, length);
    const { values, stamps, ids } = this;
    const stamp = this.stamp;
    let count = this.count;
    for (let q = 0; q < m; q++) {
      const w = (decay[m - q] as number) * before;
      if (w > 0) count = put(values, stamps, stamp, ids, count, seq[o + q] as number, sim * w);
    }
    for (let q = m; q < length; q++) {
      const w = decay[q - m] as number;
      if (w > 0) count = put(values, stamps, stamp, ids, count, seq[o + q] as number, sim * w);
    }
    this.count = count;
  }

  /** Every value v becomes 0 + (w * v) / m, in place: what addScaled would add into an empty accumulator. */
  scale(w: number, m: number): void {
    const { values, ids } = this;
    for (let i = 0; i < this.count; i++) {
      const id = ids[i] as number;
      values[id] = 0 + (w * (values[id] as number)) / m;
    }
  }

  max(): number {
    const { values, ids } = this;
    let m = 0;
    for (let i = 0; i < this.count; i++) m = Math.max(m, values[ids[i] as number] as number);
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
    if (this.count === this.ids.length) this.growIds(this.count + 1);
    this.count = put(this.values, this.stamps, this.stamp, this.ids, this.count, item, value);
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

  private growIds(need: number): void {
    const b = new Int32Array(Math.max(need, this.ids.length * 2));
    b.set(this.ids.subarray(0, this.count));
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

/** Whether scaleAll can scale `acc` in place (an accumulator from createSparseScores). */
export function scalable(acc: SparseScores): boolean {
  return acc instanceof SparseAccumulator;
}

/**
 * Replaces each value v of `acc` with 0 + (w * v) / m, in place: the same ids, order and values as
 * addScaled(empty, acc, w, m) gives, without a second accumulator. `acc` must be scalable.
 */
export function scaleAll(acc: SparseScores, w: number, m: number): void {
  if (!(acc instanceof SparseAccumulator)) throw new TypeError('scaleAll: not an accumulator of createSparseScores');
  acc.scale(w, m);
}

/**
 * acc.add(pairs[e], (w * pairs[e + 1]) / (fh * norms[pairs[e]])) for e = from, from + 2, … < to
 * (item-kNN's cosine terms of one row). `items` bounds the ids.
 */
export function addCosineRow(acc: SparseScores, pairs: Int32Array, from: number, to: number, w: number, fh: number, norms: Float64Array, items: number): void {
  if (acc instanceof SparseAccumulator) {
    acc.addCosineRow(pairs, from, to, w, fh, norms, items);
    return;
  }
  for (let e = from; e < to; e += 2) {
    const j = pairs[e] as number;
    acc.add(j, (w * (pairs[e + 1] as number)) / (fh * (norms[j] as number)));
  }
}

/** acc.add(pairs[e], pairs[e + 1] * scale) for e = from, from + 2, … < to. `items` bounds the ids. */
export function addCountRow(acc: SparseScores, pairs: Int32Array, from: number, to: number, scale: number, items: number): void {
  if (acc instanceof SparseAccumulator) {
    acc.addCountRow(pairs, from, to, scale, items);
    return;
  }
  for (let e = from; e < to; e += 2) acc.add(pairs[e] as number, (pairs[e + 1] as number) * scale);
}

/**
 * A neighbour sequence seq[o .. o + length) around its anchor m: items before m add
 * sim * decay[m - q] * before, the others sim * decay[q - m], each only when its weight is > 0.
 * `items` bounds the ids.
 */
export function addAround(acc: SparseScores, seq: Int32Array, o: number, m: number, length: number, sim: number, decay: Float64Array, before: number, items: number): void {
  if (acc instanceof SparseAccumulator) {
    acc.addAround(seq, o, m, length, sim, decay, before, items);
    return;
  }
  for (let q = 0; q < m; q++) {
    const w = (decay[m - q] as number) * before;
    if (w > 0) acc.add(seq[o + q] as number, sim * w);
  }
  for (let q = m; q < length; q++) {
    const w = decay[q - m] as number;
    if (w > 0) acc.add(seq[o + q] as number, sim * w);
  }
}

export function createSparseScores(capacity = 1024): SparseScores {
  return new SparseAccumulator(capacity);
}
