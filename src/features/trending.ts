import { grow } from '../core/index.ts';
import type { Scored } from '../core/index.ts';

/** log2(2^a + 2^b) without overflow: max + log2(1 + 2^(min - max)). */
export function log2AddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const hi = a > b ? a : b;
  const lo = a > b ? b : a;
  return hi + Math.log1p(Math.pow(2, lo - hi)) / Math.LN2;
}

/**
 * Time-decayed popularity of items in one market, as log2 scores. Since weights are positive, a
 * score only grows, so the best `cap` items can be kept sorted at write time (a binary search and a
 * short move per event) and a top-N read is a slice. Removing an item from the top marks the list
 * stale; the next read rebuilds it from all scores.
 */
export interface TrendBoard {
  add(item: string, weight: number, ts: number, halfLifeMs: number): void;
  remove(item: string): void;
  top(n: number): Scored[];
  entries(): IterableIterator<[string, number]>;
  /** Restores a stored score as is (snapshot load); marks the top list stale. */
  set(item: string, score: number): void;
}

/** log2 of a few distinct weights, computed once each. */
function log2Of(): (w: number) => number {
  let lastW = 1;
  let lastLog = 0;
  return (w) => {
    if (w !== lastW) {
      lastW = w;
      lastLog = Math.log2(w);
    }
    return lastLog;
  };
}

/**
 * Each item gets a small integer handle (one Map lookup per write): its id, score and top-list flag
 * live in arrays by handle, and the top list is an Int32Array of handles beside a Float64Array of
 * their scores. A raised item moves up by two `copyWithin`s, memory moves of numbers; a list of
 * object references would pay the collector's write barrier on every one of the up to `cap` slots
 * moved. The binary searches read contiguous scores and an id only on an exact tie.
 */
export function createTrendBoard(cap: number): TrendBoard {
  return new Board(cap);
}

class Board implements TrendBoard {
  private readonly handles = new Map<string, number>();
  private readonly ids: string[] = [];
  private scores = new Float64Array(64);
  private inTop = new Uint8Array(64);
  /** Handles of removed items, for reuse; those still in a stale top list wait for its rebuild. */
  private readonly free: number[] = [];
  private readonly freeAfterRebuild: number[] = [];
  /** The kept top list: handles best first, beside their scores. */
  private kept: Int32Array<ArrayBuffer>;
  private keptScores: Float64Array<ArrayBuffer>;
  private keptLen = 0;
  private stale = false;
  private readonly log2 = log2Of();

  constructor(private readonly cap: number) {
    this.kept = new Int32Array(Math.min(cap, 64));
    this.keptScores = new Float64Array(this.kept.length);
  }

  add(item: string, weight: number, ts: number, halfLifeMs: number): void {
    const inc = this.log2(weight) + ts / halfLifeMs;
    let h = this.handles.get(item);
    let old = -Infinity;
    if (h === undefined) h = this.handleOf(item, log2AddExp(old, inc));
    else {
      old = this.scores[h] as number;
      this.scores[h] = log2AddExp(old, inc);
    }
    if (!this.stale) this.raise(h, old);
  }

  remove(item: string): void {
    const h = this.handles.get(item);
    if (h === undefined) return;
    this.handles.delete(item);
    if (this.inTop[h] === 1) {
      this.stale = true;
      this.freeAfterRebuild.push(h);
    } else this.free.push(h);
  }

  top(n: number): Scored[] {
    if (n <= 0) return [];
    if (this.stale) this.rebuild();
    if (n > this.keptLen && this.keptLen < this.handles.size) {
      // Beyond the kept top: a full sort, only for unusually long reads.
      return Array.from(this.handles.values()).sort(this.byRank).slice(0, n).map(this.out);
    }
    const list: Scored[] = new Array<Scored>(Math.min(n, this.keptLen));
    for (let i = 0; i < list.length; i++) list[i] = this.out(this.kept[i] as number);
    return list;
  }

  *entries(): IterableIterator<[string, number]> {
    for (const [id, h] of this.handles) yield [id, this.scores[h] as number];
  }

  set(item: string, score: number): void {
    const h = this.handles.get(item);
    if (h === undefined) this.handleOf(item, score);
    else this.scores[h] = score;
    this.stale = true;
  }

  /** Whether (sa, ia) ranks before (sb, ib): highest score first, equal scores by id. */
  private static before(sa: number, ia: string, sb: number, ib: string): boolean {
    return sa > sb || (sa === sb && ia < ib);
  }

  /** The rank order of two handles, as a sort comparator (made once per board). */
  private readonly byRank = (a: number, b: number): number => {
    const sa = this.scores[a] as number;
    const sb = this.scores[b] as number;
    if (sa !== sb) return sa > sb ? -1 : 1;
    const ia = this.ids[a] as string;
    const ib = this.ids[b] as string;
    return ia < ib ? -1 : ia > ib ? 1 : 0;
  };

  private readonly out = (h: number): Scored => ({ id: this.ids[h] as string, score: this.scores[h] as number });

  /** First index in top[lo, hi) whose entry does not come before (score, id). */
  private lowerBound(score: number, id: string, lo: number, hi: number): number {
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const s = this.keptScores[mid] as number;
      if (s > score || (s === score && (this.ids[this.kept[mid] as number] as string) < id)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private reserveTop(n: number): void {
    if (n <= this.kept.length) return;
    const size = Math.min(this.cap, Math.max(n, this.kept.length * 2));
    this.kept = grow(this.kept, size);
    this.keptScores = grow(this.keptScores, size);
  }

  private handleOf(item: string, score: number): number {
    const h = this.free.pop() ?? this.ids.length;
    if (h === this.ids.length) this.ids.push(item);
    else this.ids[h] = item;
    this.scores = grow(this.scores, h + 1);
    this.inTop = grow(this.inTop, h + 1);
    this.scores[h] = score;
    this.inTop[h] = 0;
    this.handles.set(item, h);
    return h;
  }

  /** The kept top list from all scores, after a removal from it or a restored score. */
  private rebuild(): void {
    for (let i = 0; i < this.keptLen; i++) this.inTop[this.kept[i] as number] = 0;
    for (const h of this.freeAfterRebuild) this.free.push(h);
    this.freeAfterRebuild.length = 0;
    const all = Array.from(this.handles.values()).sort(this.byRank);
    this.keptLen = Math.min(this.cap, all.length);
    this.reserveTop(this.keptLen);
    for (let i = 0; i < this.keptLen; i++) {
      const h = all[i] as number;
      this.inTop[h] = 1;
      this.kept[i] = h;
      this.keptScores[i] = this.scores[h] as number;
    }
    this.stale = false;
  }

  /** Moves handle `h` (score was `old`) up the top list, or into it when it now ranks within `cap`. */
  private raise(h: number, old: number): void {
    const id = this.ids[h] as string;
    const score = this.scores[h] as number;
    let from: number;
    if (this.inTop[h] === 1) {
      from = this.lowerBound(old, id, 0, this.keptLen);
    } else {
      if (this.keptLen >= this.cap) {
        const last = this.keptLen - 1;
        if (!Board.before(score, id, this.keptScores[last] as number, this.ids[this.kept[last] as number] as string)) return;
        this.inTop[this.kept[last] as number] = 0;
        this.keptLen--;
      }
      this.reserveTop(this.keptLen + 1);
      from = this.keptLen++;
      this.inTop[h] = 1;
    }
    const to = this.lowerBound(score, id, 0, from);
    this.kept.copyWithin(to + 1, to, from);
    this.keptScores.copyWithin(to + 1, to, from);
    this.kept[to] = h;
    this.keptScores[to] = score;
  }
}
