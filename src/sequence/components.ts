import type { SequenceStats } from './stats.ts';
import type { SparseScores } from './sparse.ts';

/**
 * Scoring components over streaming statistics. Each adds sparse scores for one history (items in
 * time order, most recent last) into an accumulator; none allocates per call beyond small scratch.
 */

/** Item-kNN: cosine of sequence co-occurrence, history items weighted by recency. */
export interface ItemKnnParams {
  /** Weight of the d-th most recent history item is decay^d. */
  decay: number;
}

export function scoreItemKnn(stats: SequenceStats, history: ArrayLike<number>, acc: SparseScores, p: ItemKnnParams): void {
  const freq = stats.sequenceFrequency();
  let w = 1;
  const seen = new Set<number>();
  for (let k = history.length - 1; k >= 0; k--, w *= p.decay) {
    const h = history[k] as number;
    if (seen.has(h)) continue;
    seen.add(h);
    const row = stats.cooccurrence(h);
    if (row === undefined) continue;
    const fh = Math.sqrt(freq[h] ?? 1);
    for (const [j, c] of row) acc.add(j, (w * c) / (fh * Math.sqrt(freq[j] as number)));
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

function rowTotal(row: ReadonlyMap<number, number>): number {
  let t = 0;
  for (const c of row.values()) t += c;
  return t;
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
      const row = stats.transitions(g, h);
      if (row === undefined) continue;
      const scale = wg / rowTotal(row);
      for (const [j, c] of row) acc.add(j, c * scale);
    }
  }
}

/**
 * Sequence-aware neighbourhood (session-kNN in the manner of STAN): the history is a vector whose
 * items weigh exp(-d / positionScale) by distance d from the end; neighbours are the most recent
 * sequences sharing an item, scored by cosine and by recency exp(-age / recencyScale); a neighbour's
 * items weigh exp(-|q - m| / neighbourScale) by distance to the position m of the most recent shared
 * item, times `before` for items that came before it.
 */
export interface NeighbourParams {
  k: number;
  /** Candidate sequences taken per history item, most recent first. */
  sample: number;
  positionScale: number;
  /** Infinity: no recency weighting (sequences not in time order). */
  recencyScale: number;
  neighbourScale: number;
  before: number;
  /** Shared items weigh idf^idf (idf = ln(1 + sequences / sequences with the item)); 0 = off. */
  idf: number;
  /** Neighbour similarity raised to this power when scoring (sharpens toward the closest). */
  simPower: number;
}

export interface NeighbourScratch {
  /** Position weight of each history item (0 elsewhere). */
  weights: Float64Array;
  /** Position weight times idf: what the similarity sums. */
  match: Float64Array;
  stamps: Int32Array;
  stamp: number;
}

export function createNeighbourScratch(): NeighbourScratch {
  return { weights: new Float64Array(1024), match: new Float64Array(1024), stamps: new Int32Array(1024), stamp: 0 };
}

function fitScratch(s: NeighbourScratch, items: number, seqs: number): void {
  if (s.weights.length <= items) {
    s.weights = new Float64Array(items * 2 + 1);
    s.match = new Float64Array(items * 2 + 1);
  }
  if (s.stamps.length <= seqs) {
    const b = new Int32Array(seqs * 2 + 1);
    b.set(s.stamps);
    s.stamps = b;
  }
}

/** Candidate neighbours with their similarity, best first, at most k. */
function neighbours(stats: SequenceStats, distinct: number[], p: NeighbourParams, s: NeighbourScratch, skip: number): [number, number][] {
  const now = stats.sequenceCount();
  const stamp = ++s.stamp;
  const found: [number, number][] = [];
  const qlen = Math.sqrt(distinct.length);
  for (const h of distinct) {
    const post = stats.postings(h);
    if (post === undefined) continue;
    const n = stats.postingsLength(h);
    for (let k = n - 1; k >= 0 && k >= n - p.sample; k--) {
      const id = post[k] as number;
      if (id === skip || s.stamps[id] === stamp) continue;
      s.stamps[id] = stamp;
      const seq = stats.sequence(id) as Int32Array;
      let dotp = 0;
      for (const x of seq) dotp += s.match[x] as number;
      if (dotp === 0) continue;
      const rec = Number.isFinite(p.recencyScale) ? Math.exp(-(now - id) / p.recencyScale) : 1;
      found.push([id, (rec * dotp) / (qlen * Math.sqrt(seq.length))]);
    }
  }
  found.sort((a, b) => b[1] - a[1] || b[0] - a[0]);
  if (found.length > p.k) found.length = p.k;
  return found;
}

export function scoreNeighbours(stats: SequenceStats, history: ArrayLike<number>, acc: SparseScores, p: NeighbourParams, s: NeighbourScratch, skip = -1): void {
  fitScratch(s, stats.numItems(), stats.sequenceCount());
  const freq = stats.sequenceFrequency();
  const n = stats.sequenceCount();
  const distinct: number[] = [];
  for (let k = history.length - 1; k >= 0; k--) {
    const h = history[k] as number;
    if (s.weights[h] !== 0) continue;
    s.weights[h] = Math.exp(-(history.length - 1 - k) / p.positionScale);
    s.match[h] = p.idf === 0 ? (s.weights[h] as number) : (s.weights[h] as number) * Math.log(1 + n / Math.max(1, freq[h] as number)) ** p.idf;
    distinct.push(h);
  }
  const top = neighbours(stats, distinct, p, s, skip);
  for (const [id, raw] of top) {
    const sim = p.simPower === 1 ? raw : raw ** p.simPower;
    const seq = stats.sequence(id) as Int32Array;
    let m = 0;
    let best = -1;
    for (let q = 0; q < seq.length; q++) {
      const w = s.weights[seq[q] as number] as number;
      if (w >= best) {
        best = w;
        m = q;
      }
    }
    for (let q = 0; q < seq.length; q++) {
      const d = Math.abs(q - m);
      const w = Math.exp(-d / p.neighbourScale) * (q < m ? p.before : 1);
      if (w > 0) acc.add(seq[q] as number, sim * w);
    }
  }
  for (const h of distinct) {
    s.weights[h] = 0;
    s.match[h] = 0;
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
