import { grow } from '../../core/index.ts';
import type { ItemColumns } from './items.ts';
import type { SequenceModel } from './model.ts';
import { createSparseScores } from './sparse.ts';
import type { SequenceStats } from './stats.ts';

/** Items left out of a ranking: a set of ids or a predicate. */
export type Skip = ReadonlySet<string> | ((id: string) => boolean);

export interface SequenceHit {
  id: string;
  score: number;
}

/** (score, id) of a before b in the ranking: higher score, then lower id (the dense ranking's order). */
const better = (sa: number, a: number, sb: number, b: number): boolean => sa > sb || (sa === sb && a < b);

/** The n best (score, id) pairs so far, best first, in reused arrays. */
export class BestHits {
  ids = new Int32Array(64);
  scores = new Float64Array(64);
  count = 0;

  /** Empties the list, with room for n. */
  reset(n: number): void {
    if (this.ids.length < n) {
      this.ids = new Int32Array(n);
      this.scores = new Float64Array(n);
    }
    this.count = 0;
  }

  /** Would (score, id) enter the n best so far? */
  enters(n: number, sc: number, id: number): boolean {
    const c = this.count;
    return c < n || better(sc, id, this.scores[c - 1] as number, this.ids[c - 1] as number);
  }

  /** Inserts (score, id), which enters the n best, dropping the n-th when full. */
  insert(n: number, sc: number, id: number): void {
    const { ids, scores } = this;
    let k = this.count < n ? this.count++ : n - 1;
    while (k > 0 && better(sc, id, scores[k - 1] as number, ids[k - 1] as number)) {
      scores[k] = scores[k - 1] as number;
      ids[k] = ids[k - 1] as number;
      k--;
    }
    scores[k] = sc;
    ids[k] = id;
  }
}

/**
 * The scoring part of the online model: one request at a time over reused scratch, the evaluated
 * blend (popularity weight times occurrences over the largest, plus the sparse components) with
 * the n best kept as items are scored, the untouched items taken in popularity order.
 */
export class SequenceRanker {
  private readonly acc = createSparseScores(1024);
  // marks[id] === stamp: the item has a sparse score in this request; skips[id] === stamp: it is
  // left out by the request's skip set (resolved to ids once, not looked up per candidate).
  private marks = new Int32Array(1024);
  private skips = new Int32Array(1024);
  private stamp = 0;
  private skipSet = false;
  private skipFn: ((id: string) => boolean) | undefined;
  private readonly best = new BestHits();

  constructor(
    private readonly items: ItemColumns,
    private readonly st: SequenceStats,
  ) {}

  /** The n best items for `history` by `model`'s blend (n >= 1); `self` is the shopper's own sequence or -1. */
  rank(model: SequenceModel, history: Int32Array, self: number, n: number, skip: Skip | undefined): SequenceHit[] {
    const { acc, best } = this;
    best.reset(n);
    this.begin(skip);
    model.blend(history, acc, self);
    const w = model.params.weights.popularity;
    const occ = this.st.occurrences();
    const norm = this.items.maxOcc > 0 ? this.items.maxOcc : 1;
    const { marks, stamp } = this;
    for (let i = 0; i < acc.size; i++) {
      const id = acc.id(i);
      marks[id] = stamp;
      const v = acc.get(id);
      // The popularity term is at most w (no item occurs more than maxOcc times), so once n are
      // kept, an item whose blend plus w is below the n-th best cannot enter: most of the
      // thousands touched are passed over without reading their occurrences.
      if (best.count === n && w + v < (best.scores[n - 1] as number)) continue;
      // As evaluation scores: popularity weight times occurrences over the largest, plus the sparse blend.
      const sc = w * ((occ[id] as number) / norm) + v;
      if (best.enters(n, sc, id) && !this.skipped(id)) best.insert(n, sc, id);
    }
    this.fillPopular(n, w, occ);
    this.skipFn = undefined;
    return this.hits();
  }

  /** Starts a request: a fresh stamp, and the skip set's items marked (names never seen skip nothing). */
  private begin(skip: Skip | undefined): void {
    const items = this.items.names.length;
    this.marks = grow(this.marks, items);
    this.skips = grow(this.skips, items);
    if (this.stamp === 0x7fffffff) {
      this.marks.fill(0);
      this.skips.fill(0);
      this.stamp = 0;
    }
    const stamp = ++this.stamp;
    this.skipFn = typeof skip === 'function' ? skip : undefined;
    this.skipSet = skip !== undefined && typeof skip !== 'function';
    if (this.skipSet) {
      for (const name of skip as ReadonlySet<string>) {
        const id = this.items.id(name);
        if (id !== undefined) this.skips[id] = stamp;
      }
    }
  }

  private skipped(id: number): boolean {
    if (this.skipSet) return this.skips[id] === this.stamp;
    return this.skipFn !== undefined && this.skipFn(this.items.names[id] as string);
  }

  /** Untouched items in popularity order, from the kept list, then (rarely) from every item. */
  private fillPopular(n: number, w: number, occ: Float64Array): void {
    const { best, marks, stamp } = this;
    const { top, topLength, pos, maxOcc, names } = this.items;
    if (w === 0) {
      // Every untouched item scores 0: the ranking's order among them is the id order.
      for (let id = 1; id < names.length; id++) {
        if (marks[id] === stamp) continue;
        if (!best.enters(n, 0, id)) return;
        if (!this.skipped(id)) best.insert(n, 0, id);
      }
      return;
    }
    const norm = maxOcc > 0 ? maxOcc : 1;
    for (let p = 0; p < topLength; p++) {
      const id = top[p] as number;
      if (marks[id] === stamp) continue;
      const sc = w * ((occ[id] as number) / norm);
      // Later items score no more: nothing further can enter.
      if (!best.enters(n, sc, id)) return;
      if (this.skipped(id)) continue;
      best.insert(n, sc, id);
    }
    if (topLength === names.length - 1) return;
    // Every item not kept comes after the last kept one in popularity order, so it scores no more:
    // when that score is below the n-th best, nothing from the scan below could enter.
    const tail = top[topLength - 1] as number;
    if (topLength > 0 && best.count === n && w * ((occ[tail] as number) / norm) < (best.scores[n - 1] as number)) return;
    for (let id = 1; id < names.length; id++) {
      if (marks[id] === stamp || (pos[id] as number) >= 0) continue;
      const sc = w * ((occ[id] as number) / norm);
      if (best.enters(n, sc, id) && !this.skipped(id)) best.insert(n, sc, id);
    }
  }

  /** The n best as hits, best first. */
  private hits(): SequenceHit[] {
    const { ids, scores, count } = this.best;
    const names = this.items.names;
    const out: SequenceHit[] = new Array<SequenceHit>(count);
    for (let k = 0; k < count; k++) out[k] = { id: names[ids[k] as number] as string, score: scores[k] as number };
    return out;
  }
}
