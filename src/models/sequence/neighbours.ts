import type { SequenceStats } from './stats.ts';
import { addAround, type SparseScores } from './sparse.ts';

/**
 * Sequence-aware neighbourhood (session-kNN in the manner of STAN): the history is a vector whose
 * items weigh exp(-d / positionScale) by distance d from the end; neighbours are the most recent
 * sequences sharing an item, scored by cosine and by recency exp(-age / recencyScale); a neighbour's
 * items weigh exp(-|q - m| / neighbourScale) by distance to the position m of the most recent shared
 * item, times `before` for items that came before it.
 *
 * One walk per candidate sequence gives both its similarity and m; the k best are kept in a heap
 * rather than sorting every candidate, and exp(-d / neighbourScale) comes from a table. Every score
 * is the same float, added in the same order, as computing each term afresh and sorting all the
 * candidates by (similarity, sequence id) descending.
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
  /** 1 for each history item of positive weight (0 elsewhere): a small array the candidate walk reads first. */
  present: Uint8Array;
  /** Per stored sequence: `stamp` once it was a candidate in this call. */
  stamps: Int32Array;
  stamp: number;
  /** Per stored sequence: the position m of its most recent shared item (set with its stamp). */
  anchors: Int32Array;
  /** The history's distinct items, most recent first. */
  distinct: Int32Array;
  /** The best candidates: a heap with the worst at the root, then the k best, best first. */
  topIds: Int32Array;
  topSims: Float64Array;
  /** exp(-d / decayScale) by distance d, filled on demand. */
  decay: Float64Array;
  decayLength: number;
  decayScale: number;
}

export function createNeighbourScratch(): NeighbourScratch {
  return {
    weights: new Float64Array(1024),
    match: new Float64Array(1024),
    present: new Uint8Array(1024),
    stamps: new Int32Array(1024),
    stamp: 0,
    anchors: new Int32Array(1024),
    distinct: new Int32Array(64),
    topIds: new Int32Array(128),
    topSims: new Float64Array(128),
    decay: new Float64Array(64),
    decayLength: 0,
    decayScale: NaN,
  };
}

function fitScratch(s: NeighbourScratch, items: number, seqs: number, history: number, k: number): void {
  if (s.weights.length <= items) {
    s.weights = new Float64Array(items * 2 + 1);
    s.match = new Float64Array(items * 2 + 1);
    s.present = new Uint8Array(items * 2 + 1);
  }
  if (s.stamps.length <= seqs) {
    const b = new Int32Array(seqs * 2 + 1);
    b.set(s.stamps);
    s.stamps = b;
    s.anchors = new Int32Array(b.length);
  }
  if (s.stamp === 0x7fffffff) {
    s.stamps.fill(0);
    s.stamp = 0;
  }
  if (s.distinct.length < history) s.distinct = new Int32Array(history * 2);
  if (s.topIds.length < k) {
    s.topIds = new Int32Array(k);
    s.topSims = new Float64Array(k);
  }
}

/** exp(-d / scale) for d < length: the value Math.exp gives each time, computed once. */
function decayTable(s: NeighbourScratch, scale: number, length: number): Float64Array {
  if (s.decayScale !== scale) {
    s.decayScale = scale;
    s.decayLength = 0;
  }
  if (s.decayLength < length) {
    if (s.decay.length < length) {
      const b = new Float64Array(Math.max(length, s.decay.length * 2));
      b.set(s.decay.subarray(0, s.decayLength));
      s.decay = b;
    }
    for (let d = s.decayLength; d < length; d++) s.decay[d] = Math.exp(-d / scale);
    s.decayLength = length;
  }
  return s.decay;
}

/** Candidate a ranks before b: higher similarity, then the later sequence. */
const ahead = (ia: number, sa: number, ib: number, sb: number): boolean => sa > sb || (sa === sb && ia > ib);

/** Moves the heap entry at `i` down until both children rank before it (the root is the worst). */
function siftDown(ids: Int32Array, sims: Float64Array, n: number, i: number): void {
  const id = ids[i] as number;
  const sim = sims[i] as number;
  for (;;) {
    let c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && ahead(ids[c] as number, sims[c] as number, ids[c + 1] as number, sims[c + 1] as number)) c++;
    if (!ahead(id, sim, ids[c] as number, sims[c] as number)) break;
    ids[i] = ids[c] as number;
    sims[i] = sims[c] as number;
    i = c;
  }
  ids[i] = id;
  sims[i] = sim;
}

/** Offers a candidate to the heap of the k best (n entries); returns the new n. */
function offer(s: NeighbourScratch, k: number, n: number, id: number, sim: number): number {
  const ids = s.topIds;
  const sims = s.topSims;
  if (n < k) {
    let i = n;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!ahead(ids[parent] as number, sims[parent] as number, id, sim)) break;
      ids[i] = ids[parent] as number;
      sims[i] = sims[parent] as number;
      i = parent;
    }
    ids[i] = id;
    sims[i] = sim;
    return n + 1;
  }
  if (ahead(id, sim, ids[0] as number, sims[0] as number)) {
    ids[0] = id;
    sims[0] = sim;
    siftDown(ids, sims, n, 0);
  }
  return n;
}

/** Heap sort in place: the worst goes last each time, leaving the n entries best first. */
function sortHeap(s: NeighbourScratch, n: number): void {
  const ids = s.topIds;
  const sims = s.topSims;
  for (let end = n - 1; end > 0; end--) {
    const id = ids[0] as number;
    const sim = sims[0] as number;
    ids[0] = ids[end] as number;
    sims[0] = sims[end] as number;
    siftDown(ids, sims, end, 0);
    ids[end] = id;
    sims[end] = sim;
  }
}

/** The k best candidate neighbours into s.topIds / s.topSims, best first, their anchors set; returns how many. */
function neighbours(stats: SequenceStats, distinct: number, p: NeighbourParams, s: NeighbourScratch, skip: number): number {
  const now = stats.sequenceCount();
  const stamp = ++s.stamp;
  const { stamps, anchors, weights, match, present } = s;
  const qlen = Math.sqrt(distinct);
  const recency = Number.isFinite(p.recencyScale);
  let n = 0;
  for (let t = 0; t < distinct; t++) {
    const h = s.distinct[t] as number;
    const post = stats.postings(h);
    if (post === undefined) continue;
    const len = stats.postingsLength(h);
    for (let k = len - 1; k >= 0 && k >= len - p.sample; k--) {
      const id = post[k] as number;
      if (id === skip || stamps[id] === stamp) continue;
      stamps[id] = stamp;
      const seq = stats.sequencePage(id);
      const o = stats.sequenceOffset(id);
      const sl = stats.sequenceLength(id);
      // Items of no weight add +0 and move m only before the first weighted item, which sets it
      // again: skipping them sums the same terms in the same order and finds the same m.
      let dotp = 0;
      let m = 0;
      let best = -1;
      for (let q = 0; q < sl; q++) {
        const x = seq[o + q] as number;
        if (present[x] === 0) continue;
        dotp += match[x] as number;
        const w = weights[x] as number;
        if (w >= best) {
          best = w;
          m = q;
        }
      }
      if (dotp === 0) continue;
      anchors[id] = m;
      const rec = recency ? Math.exp(-(now - id) / p.recencyScale) : 1;
      n = offer(s, p.k, n, id, (rec * dotp) / (qlen * Math.sqrt(sl)));
    }
  }
  sortHeap(s, n);
  return n;
}

/** The history's distinct items (most recent first) into s.distinct, with their weights; returns how many. */
function weigh(stats: SequenceStats, history: ArrayLike<number>, p: NeighbourParams, s: NeighbourScratch): number {
  const freq = stats.sequenceFrequency();
  const n = stats.sequenceCount();
  let count = 0;
  for (let k = history.length - 1; k >= 0; k--) {
    const h = history[k] as number;
    if (s.weights[h] !== 0) continue;
    const w = Math.exp(-(history.length - 1 - k) / p.positionScale);
    s.weights[h] = w;
    s.match[h] = p.idf === 0 ? w : w * Math.log(1 + n / Math.max(1, freq[h] as number)) ** p.idf;
    if (w > 0) s.present[h] = 1;
    s.distinct[count++] = h;
  }
  return count;
}

export function scoreNeighbours(stats: SequenceStats, history: ArrayLike<number>, acc: SparseScores, p: NeighbourParams, s: NeighbourScratch, skip = -1): void {
  fitScratch(s, stats.numItems(), stats.sequenceCount(), history.length, p.k);
  const distinct = weigh(stats, history, p, s);
  const top = neighbours(stats, distinct, p, s, skip);
  const before = p.before;
  const items = stats.numItems();
  for (let t = 0; t < top; t++) {
    const id = s.topIds[t] as number;
    const raw = s.topSims[t] as number;
    const sim = p.simPower === 1 ? raw : raw ** p.simPower;
    const seq = stats.sequencePage(id);
    const o = stats.sequenceOffset(id);
    const sl = stats.sequenceLength(id);
    const m = s.anchors[id] as number;
    const decay = decayTable(s, p.neighbourScale, Math.max(m + 1, sl - m));
    // Items before m weigh decay(m - q) * before, the rest decay(q - m) (times 1, which is exact).
    addAround(acc, seq, o, m, sl, sim, decay, before, items);
  }
  for (let t = 0; t < distinct; t++) {
    const h = s.distinct[t] as number;
    s.weights[h] = 0;
    s.match[h] = 0;
    s.present[h] = 0;
  }
}
