import { BlockArena } from './arena.ts';
import { createCountTable, type CountTable, type MutableCountTable } from './rows.ts';
import { createSequenceStore } from './store.ts';

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
  /** Math.sqrt of each sequence frequency, kept up to date (the cosine norms). */
  frequencyNorms(): Float64Array;
  /** Distinct-pair co-occurrence counts within a sequence: row of item `i` (a snapshot). */
  cooccurrence(i: number): ReadonlyMap<number, number> | undefined;
  /** Transitions at `gap` (1-based) out of item `i` (a snapshot). */
  transitions(gap: number, i: number): ReadonlyMap<number, number> | undefined;
  /** The co-occurrence rows themselves (live, no copy): what scoring reads. */
  cooccurrenceTable(): CountTable;
  /** The transition rows at `gap` (1-based, up to maxGap), live. */
  transitionTable(gap: number): CountTable | undefined;
  /** A stored sequence (a copy). */
  sequence(id: number): Int32Array | undefined;
  /**
   * Where sequence `id` lies, for reading it without a copy: page[offset .. offset + length). It
   * moves as the sequence grows, so read it afresh after any append.
   */
  sequencePage(id: number): Int32Array;
  sequenceOffset(id: number): number;
  sequenceLength(id: number): number;
  /** Slots the sequence holds in storage (memory accounting). */
  sequenceCapacity(id: number): number;
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

function grow(a: Float64Array, n: number): Float64Array {
  if (n < a.length) return a;
  const b = new Float64Array(Math.max(n + 1, a.length * 2));
  b.set(a);
  return b;
}

function growInt(a: Int32Array, n: number): Int32Array {
  if (n < a.length) return a;
  const b = new Int32Array(Math.max(n + 1, a.length * 2));
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
  let norms: Float64Array = new Float64Array(numItems + 1);
  let maxId = numItems;
  // Rows share one arena, sequences another: each scan then stays within its own pages.
  const rows = new BlockArena(16 * 1024);
  const co = createCountTable(numItems, rows);
  const trans: MutableCountTable[] = Array.from({ length: maxGap }, () => createCountTable(numItems, rows));
  const seqs = createSequenceStore();
  // Postings per item; the list stays packed (no holes), which keeps its reads fast.
  const post: (Int32Array | undefined)[] = Array.from({ length: numItems + 1 }, () => undefined);
  let postLen: Int32Array = new Int32Array(numItems + 1);
  // Append scratch: `marks[y] === stamp` while walking one sequence; `distinct` its distinct items.
  let marks: Int32Array = new Int32Array(numItems + 1);
  let stamp = 0;
  let distinct = new Int32Array(64);

  /** The distinct items of s[o .. o + n) in first-occurrence order into `distinct`; marks them. */
  function walk(s: Int32Array, o: number, n: number): number {
    if (stamp === 0x7fffffff) {
      marks.fill(0);
      stamp = 0;
    }
    stamp++;
    if (distinct.length < n) distinct = new Int32Array(Math.max(n, distinct.length * 2));
    let d = 0;
    for (let k = o; k < o + n; k++) {
      const y = s[k] as number;
      if (marks[y] === stamp) continue;
      marks[y] = stamp;
      distinct[d++] = y;
    }
    return d;
  }

  /** Item-indexed storage up to `item`. */
  function fitItems(item: number): void {
    if (item > maxId) maxId = item;
    if (maxId < occ.length) return;
    occ = grow(occ, maxId);
    freq = grow(freq, maxId);
    norms = grow(norms, maxId);
    postLen = growInt(postLen, maxId);
    marks = growInt(marks, maxId);
    co.fit(maxId);
    for (const t of trans) t.fit(maxId);
    while (post.length < occ.length) post.push(undefined);
  }

  const stats: SequenceStats = {
    maxGap,
    numItems: () => maxId,
    occurrences: () => occ,
    sequenceFrequency: () => freq,
    frequencyNorms: () => norms,
    cooccurrence: (i) => co.toMap(i),
    transitions: (gap, i) => trans[gap - 1]?.toMap(i),
    cooccurrenceTable: () => co,
    transitionTable: (gap) => trans[gap - 1],
    sequence(id) {
      if (!(id >= 0 && id < seqs.count)) return undefined;
      const o = seqs.offset(id);
      return seqs.page(id).slice(o, o + seqs.length(id));
    },
    sequencePage: (id) => seqs.page(id),
    sequenceOffset: (id) => seqs.offset(id),
    sequenceLength: (id) => seqs.length(id),
    sequenceCapacity: (id) => seqs.capacity(id),
    postings: (i) => post[i],
    postingsLength: (i) => (i >= 0 && i < postLen.length ? (postLen[i] as number) : 0),
    sequenceCount: () => seqs.count,
    begin: () => seqs.begin(),
    append(id, item) {
      if (!Number.isInteger(item) || item < 1) throw new RangeError(`item ids must be positive integers, got ${item}`);
      if (!(Number.isInteger(id) && id >= 0 && id < seqs.count)) throw new RangeError(`unknown sequence ${id}`);
      const s = seqs.page(id);
      const o = seqs.offset(id);
      const n = seqs.length(id);
      fitItems(item);
      occ[item] = (occ[item] as number) + 1;
      for (let g = 1; g <= maxGap && g <= n; g++) (trans[g - 1] as MutableCountTable).bump(s[o + n - g] as number, item);
      const d = walk(s, o, n);
      if (marks[item] !== stamp) {
        freq[item] = (freq[item] as number) + 1;
        norms[item] = Math.sqrt(freq[item] as number);
        // Distinct pairs: the new item meets each distinct earlier item once, in first-occurrence
        // order (which fixes the order of the rows' entries).
        for (let k = 0; k < d; k++) {
          const y = distinct[k] as number;
          co.bump(item, y);
          co.bump(y, item);
        }
        const pl = postLen[item] as number;
        post[item] = push(post[item], pl, id);
        postLen[item] = pl + 1;
      }
      seqs.push(id, item);
    },
    observe(sequence) {
      const id = stats.begin();
      for (let k = 0; k < sequence.length; k++) stats.append(id, sequence[k] as number);
      return id;
    },
  };
  return stats;
}
