/**
 * Streaming sequence statistics: every count here is updated by one `observe(sequence)` call, so the
 * online engine can keep the same state per event that the offline evaluation builds in one pass.
 * Item ids are positive integers; arrays grow as larger ids arrive.
 */
export interface SequenceStatsOptions {
  /** Largest item id expected up front (arrays grow past it when needed). */
  numItems?: number;
  /** Transition gaps kept: gap 1 is "last item → next", gap g counts s[p] → s[p + g]. */
  maxGap?: number;
}

export interface SequenceStats {
  readonly maxGap: number;
  /** Largest item id seen or declared. */
  numItems(): number;
  /** Occurrences of each item (index = item id). */
  occurrences(): Float64Array;
  /** Number of sequences containing each item. */
  sequenceFrequency(): Float64Array;
  /** Distinct-pair co-occurrence counts within a sequence: row of item `i`. */
  cooccurrence(i: number): ReadonlyMap<number, number> | undefined;
  /** Transitions at `gap` (1-based) out of item `i`. */
  transitions(gap: number, i: number): ReadonlyMap<number, number> | undefined;
  /** A stored sequence (a view; it grows with `append`). */
  sequence(id: number): Int32Array | undefined;
  /** Ids of the sequences containing `i`, oldest first (distinct per sequence). */
  postings(i: number): Int32Array | undefined;
  postingsLength(i: number): number;
  sequenceCount(): number;
  /** Starts an empty sequence (a new user or session); returns its id (arrival order). */
  begin(): number;
  /** One event: `item` follows the current end of sequence `id`. */
  append(id: number, item: number): void;
  /** Adds a whole sequence: begin() then append() per item. */
  observe(sequence: ArrayLike<number>): number;
}

function bump(rows: (Map<number, number> | undefined)[], a: number, b: number, w: number): void {
  let row = rows[a];
  if (row === undefined) {
    row = new Map();
    rows[a] = row;
  }
  row.set(b, (row.get(b) ?? 0) + w);
}

function grow(a: Float64Array, n: number): Float64Array {
  if (n < a.length) return a;
  const b = new Float64Array(Math.max(n + 1, a.length * 2));
  b.set(a);
  return b;
}

function push(list: Int32Array | undefined, n: number, v: number): Int32Array {
  let p = list;
  if (p === undefined || n === p.length) {
    const q = new Int32Array(Math.max(4, n * 2));
    if (p !== undefined) q.set(p);
    p = q;
  }
  p[n] = v;
  return p;
}

export function createSequenceStats({ numItems = 1024, maxGap = 3 }: SequenceStatsOptions = {}): SequenceStats {
  if (!Number.isInteger(maxGap) || maxGap < 1) throw new RangeError(`maxGap must be an integer >= 1, got ${maxGap}`);
  let occ: Float64Array = new Float64Array(numItems + 1);
  let freq: Float64Array = new Float64Array(numItems + 1);
  let maxId = numItems;
  const co: (Map<number, number> | undefined)[] = [];
  const trans: (Map<number, number> | undefined)[][] = Array.from({ length: maxGap }, () => []);
  const seqs: Int32Array[] = [];
  const seqLen: number[] = [];
  const post: (Int32Array | undefined)[] = [];
  const postLen: number[] = [];

  const stats: SequenceStats = {
    maxGap,
    numItems: () => maxId,
    occurrences: () => occ,
    sequenceFrequency: () => freq,
    cooccurrence: (i) => co[i],
    transitions: (gap, i) => trans[gap - 1]?.[i],
    sequence: (id) => seqs[id]?.subarray(0, seqLen[id]),
    postings: (i) => post[i],
    postingsLength: (i) => postLen[i] ?? 0,
    sequenceCount: () => seqs.length,
    begin() {
      seqs.push(new Int32Array(4));
      seqLen.push(0);
      return seqs.length - 1;
    },
    append(id, item) {
      if (!Number.isInteger(item) || item < 1) throw new RangeError(`item ids must be positive integers, got ${item}`);
      const s = seqs[id];
      if (s === undefined) throw new RangeError(`unknown sequence ${id}`);
      const n = seqLen[id] as number;
      if (item > maxId) maxId = item;
      occ = grow(occ, maxId);
      freq = grow(freq, maxId);
      occ[item] = (occ[item] as number) + 1;
      for (let g = 1; g <= maxGap && g <= n; g++) bump(trans[g - 1] as (Map<number, number> | undefined)[], s[n - g] as number, item, 1);
      if (!s.subarray(0, n).includes(item)) {
        freq[item] = (freq[item] as number) + 1;
        // Distinct pairs: the new item meets each distinct earlier item once.
        for (let k = 0; k < n; k++) {
          const y = s[k] as number;
          if (s.subarray(0, k).includes(y)) continue;
          bump(co, item, y, 1);
          bump(co, y, item, 1);
        }
        const pl = postLen[item] ?? 0;
        post[item] = push(post[item], pl, id);
        postLen[item] = pl + 1;
      }
      seqs[id] = push(s, n, item);
      seqLen[id] = n + 1;
    },
    observe(sequence) {
      const id = stats.begin();
      for (let k = 0; k < sequence.length; k++) stats.append(id, sequence[k] as number);
      return id;
    },
  };
  return stats;
}
