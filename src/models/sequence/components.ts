import type { SequenceStats } from './stats.ts';
import { addCosineRow, addCountRow, type SparseScores } from './sparse.ts';

/**
 * Scoring components over streaming statistics. Each adds sparse scores for one history (items in
 * time order, most recent last) into an accumulator; none allocates per call beyond small scratch.
 */

/** Item-kNN: cosine of sequence co-occurrence, history items weighted by recency. */
export interface ItemKnnParams {
  /** Weight of the d-th most recent history item is decay^d. */
  decay: number;
}

/** Item-indexed marks for one call: `marks[i] === stamp` says item i was seen in this call. */
export interface ItemMarks {
  marks: Int32Array;
  stamp: number;
}

export function createItemMarks(): ItemMarks {
  return { marks: new Int32Array(1024), stamp: 0 };
}

/** Starts a round of marks covering items 0..items; returns its stamp. */
export function nextStamp(m: ItemMarks, items: number): number {
  if (m.marks.length <= items) {
    const b = new Int32Array(items * 2 + 1);
    b.set(m.marks);
    m.marks = b;
  }
  if (m.stamp === 0x7fffffff) {
    m.marks.fill(0);
    m.stamp = 0;
  }
  return ++m.stamp;
}

/**
 * `seen` is scratch for deduplicating the history; pass one to score without allocating. The sum
 * per item runs over the same terms in the same order as a Map-based row would give.
 */
export function scoreItemKnn(stats: SequenceStats, history: ArrayLike<number>, acc: SparseScores, p: ItemKnnParams, seen: ItemMarks = createItemMarks()): void {
  const norms = stats.frequencyNorms();
  const co = stats.cooccurrenceTable();
  const items = stats.numItems();
  const stamp = nextStamp(seen, items);
  const marks = seen.marks;
  let w = 1;
  for (let k = history.length - 1; k >= 0; k--, w *= p.decay) {
    const h = history[k] as number;
    // An id past the marks is past every row, so it adds nothing either way.
    if (marks[h] === stamp) continue;
    marks[h] = stamp;
    const n = co.size(h);
    if (n === 0) continue;
    const o = co.offset(h);
    addCosineRow(acc, co.page(h), o, o + 2 * n, w, norms[h] as number, norms, items);
  }
}

/**
 * Higher-order and skip transitions. The history item at distance d from the end (d = 0: the last)
 * predicts the next item through gap g >= d + 1 with weight orderDecay^d * skipDecay^(g - d - 1),
 * using the row-normalised transition probability. skipDecay = 0 gives a plain order-k Markov chain;
 * orderDecay = 0 gives "sequential rules" from the last item only.
 */
export interface TransitionParams {
  orderDecay: number;
  skipDecay: number;
  /** Gaps used (<= the statistics' maxGap). */
  maxGap: number;
}

export function scoreTransitions(stats: SequenceStats, history: ArrayLike<number>, acc: SparseScores, p: TransitionParams): void {
  const G = Math.min(p.maxGap, stats.maxGap);
  let wd = 1;
  for (let d = 0; d < G && d < history.length; d++, wd *= p.orderDecay) {
    if (wd === 0) break;
    const h = history[history.length - 1 - d] as number;
    let wg = wd;
    for (let g = d + 1; g <= G; g++, wg *= p.skipDecay) {
      if (wg === 0) break;
      const table = stats.transitionTable(g);
      const n = table === undefined ? 0 : table.size(h);
      if (table === undefined || n === 0) continue;
      // The total is an exact integer, equal to summing the row's counts.
      const scale = wg / table.total(h);
      const o = table.offset(h);
      addCountRow(acc, table.page(h), o, o + 2 * n, scale, stats.numItems());
    }
  }
}

/**
 * Repeat consumption: the history's own items, weighted decay^d by distance d from the end (the
 * most recent occurrence counts). Useful where history items are not excluded (sessions).
 */
export interface RepeatParams {
  decay: number;
}

export function scoreRepeat(history: ArrayLike<number>, acc: SparseScores, p: RepeatParams): void {
  let w = 1;
  for (let k = history.length - 1; k >= 0; k--, w *= p.decay) {
    const h = history[k] as number;
    if (acc.get(h) === 0 && w > 0) acc.add(h, w);
  }
}
