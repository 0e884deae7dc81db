/**
 * A reusable sparse score accumulator over item ids: a dense value array plus the list of touched
 * ids, so resetting costs the number of touched items, not the catalogue size.
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

export function createSparseScores(capacity = 1024): SparseScores {
  let values = new Float64Array(capacity + 1);
  let marks = new Uint8Array(capacity + 1);
  let ids = new Int32Array(256);
  let size = 0;
  const ensure = (item: number): void => {
    if (item < values.length) return;
    const n = Math.max(item + 1, values.length * 2);
    const v = new Float64Array(n);
    v.set(values);
    values = v;
    const m = new Uint8Array(n);
    m.set(marks);
    marks = m;
  };
  return {
    get size() {
      return size;
    },
    id: (i) => ids[i] as number,
    get: (item) => (item < values.length ? (values[item] as number) : 0),
    add(item, value) {
      ensure(item);
      if (marks[item] === 0) {
        marks[item] = 1;
        if (size === ids.length) {
          const b = new Int32Array(ids.length * 2);
          b.set(ids);
          ids = b;
        }
        ids[size++] = item;
      }
      values[item] = (values[item] as number) + value;
    },
    max() {
      let m = 0;
      for (let i = 0; i < size; i++) m = Math.max(m, values[ids[i] as number] as number);
      return m;
    },
    reset() {
      for (let i = 0; i < size; i++) {
        const item = ids[i] as number;
        values[item] = 0;
        marks[item] = 0;
      }
      size = 0;
    },
  };
}
