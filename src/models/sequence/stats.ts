import { grow } from '../../core/index.ts';
import { BlockArena } from './arena.ts';
import { createCountTable, type CountTable, type MutableCountTable } from './rows.ts';
import { createSequenceStore, type SequenceStore } from './store.ts';

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

/** The item-indexed columns (index = item id): counts, norms and postings, kept up to `maxId`. */
interface ItemColumns {
  maxId: number;
  occ: Float64Array<ArrayBuffer>;
  freq: Float64Array<ArrayBuffer>;
  norms: Float64Array<ArrayBuffer>;
  /** Postings per item; the list stays packed (no holes), which keeps its reads fast. */
  readonly post: (Int32Array | undefined)[];
  postLen: Int32Array<ArrayBuffer>;
}

function createItemColumns(numItems: number): ItemColumns {
  return {
    maxId: numItems,
    occ: new Float64Array(numItems + 1),
    freq: new Float64Array(numItems + 1),
    norms: new Float64Array(numItems + 1),
    post: Array.from({ length: numItems + 1 }, () => undefined),
    postLen: new Int32Array(numItems + 1),
  };
}

/**
 * Append scratch: the distinct items of one stored sequence, in first-occurrence order, with
 * `marks[y] === stamp` for each of them until the next walk.
 */
class DistinctItems {
  marks: Int32Array<ArrayBuffer>;
  stamp = 0;
  items = new Int32Array(64);

  constructor(numItems: number) {
    this.marks = new Int32Array(numItems + 1);
  }

  /** The distinct items of s[o .. o + n) into `items`, marked; returns how many. */
  walk(s: Int32Array, o: number, n: number): number {
    if (this.stamp === 0x7fffffff) {
      this.marks.fill(0);
      this.stamp = 0;
    }
    const stamp = ++this.stamp;
    const marks = this.marks;
    if (this.items.length < n) this.items = new Int32Array(Math.max(n, this.items.length * 2));
    const distinct = this.items;
    let d = 0;
    for (let k = o; k < o + n; k++) {
      const y = s[k] as number;
      if (marks[y] === stamp) continue;
      marks[y] = stamp;
      distinct[d++] = y;
    }
    return d;
  }

  has(y: number): boolean {
    return this.marks[y] === this.stamp;
  }
}

/** Everything one append updates. */
interface StatsState {
  readonly maxGap: number;
  readonly items: ItemColumns;
  readonly co: MutableCountTable;
  readonly trans: readonly MutableCountTable[];
  readonly seqs: SequenceStore;
  readonly distinct: DistinctItems;
}

/** Item-indexed storage up to `item`. */
function fitItems(st: StatsState, item: number): void {
  const c = st.items;
  if (item > c.maxId) c.maxId = item;
  if (c.maxId < c.occ.length) return;
  const n = c.maxId + 1;
  c.occ = grow(c.occ, n);
  c.freq = grow(c.freq, n);
  c.norms = grow(c.norms, n);
  c.postLen = grow(c.postLen, n);
  st.distinct.marks = grow(st.distinct.marks, n);
  st.co.fit(c.maxId);
  for (const t of st.trans) t.fit(c.maxId);
  while (c.post.length < c.occ.length) c.post.push(undefined);
}

/** One event: `item` follows the current end of sequence `id`. */
function append(st: StatsState, id: number, item: number): void {
  if (!Number.isInteger(item) || item < 1) throw new RangeError(`item ids must be positive integers, got ${item}`);
  const { seqs, co, items: c } = st;
  if (!(Number.isInteger(id) && id >= 0 && id < seqs.count)) throw new RangeError(`unknown sequence ${id}`);
  const s = seqs.page(id);
  const o = seqs.offset(id);
  const n = seqs.length(id);
  fitItems(st, item);
  c.occ[item] = (c.occ[item] as number) + 1;
  for (let g = 1; g <= st.maxGap && g <= n; g++) (st.trans[g - 1] as MutableCountTable).bump(s[o + n - g] as number, item);
  const d = st.distinct.walk(s, o, n);
  if (!st.distinct.has(item)) {
    c.freq[item] = (c.freq[item] as number) + 1;
    c.norms[item] = Math.sqrt(c.freq[item] as number);
    // Distinct pairs: the new item meets each distinct earlier item once, in first-occurrence
    // order (which fixes the order of the rows' entries).
    const distinct = st.distinct.items;
    for (let k = 0; k < d; k++) {
      const y = distinct[k] as number;
      co.bump(item, y);
      co.bump(y, item);
    }
    const pl = c.postLen[item] as number;
    c.post[item] = push(c.post[item], pl, id);
    c.postLen[item] = pl + 1;
  }
  seqs.push(id, item);
}

export function createSequenceStats({ numItems = 1024, maxGap = 3 }: SequenceStatsOptions = {}): SequenceStats {
  if (!Number.isInteger(maxGap) || maxGap < 1) throw new RangeError(`maxGap must be an integer >= 1, got ${maxGap}`);
  // Rows share one arena, sequences another: each scan then stays within its own pages.
  const rows = new BlockArena(16 * 1024);
  const state: StatsState = {
    maxGap,
    items: createItemColumns(numItems),
    co: createCountTable(numItems, rows),
    trans: Array.from({ length: maxGap }, () => createCountTable(numItems, rows)),
    seqs: createSequenceStore(),
    distinct: new DistinctItems(numItems),
  };
  const { items: c, co, trans, seqs } = state;
  const stats: SequenceStats = {
    maxGap,
    numItems: () => c.maxId,
    occurrences: () => c.occ,
    sequenceFrequency: () => c.freq,
    frequencyNorms: () => c.norms,
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
    postings: (i) => c.post[i],
    postingsLength: (i) => (i >= 0 && i < c.postLen.length ? (c.postLen[i] as number) : 0),
    sequenceCount: () => seqs.count,
    begin: () => seqs.begin(),
    append: (id, item) => append(state, id, item),
    observe(sequence) {
      const id = stats.begin();
      for (let k = 0; k < sequence.length; k++) stats.append(id, sequence[k] as number);
      return id;
    },
  };
  return stats;
}
