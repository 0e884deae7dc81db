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

function grown<T extends Float64Array | Int32Array | Uint8Array>(a: T, n: number, make: (n: number) => T): T {
  if (n <= a.length) return a;
  const b = make(Math.max(n, a.length * 2));
  b.set(a);
  return b;
}

/**
 * Each item gets a small integer handle (one Map lookup per write): its id, score and top-list flag
 * live in arrays by handle, and the top list is an Int32Array of handles beside a Float64Array of
 * their scores. A raised item moves up by two `copyWithin`s, memory moves of numbers; a list of
 * object references would pay the collector's write barrier on every one of the up to `cap` slots
 * moved. The binary searches read contiguous scores and an id only on an exact tie.
 */
export function createTrendBoard(cap: number): TrendBoard {
  const handles = new Map<string, number>();
  const ids: string[] = [];
  let scores = new Float64Array(64);
  let inTop = new Uint8Array(64);
  /** Handles of removed items, for reuse; those still in a stale top list wait for its rebuild. */
  const free: number[] = [];
  const freeAfterRebuild: number[] = [];
  let top = new Int32Array(Math.min(cap, 64));
  let topScores = new Float64Array(top.length);
  let topLen = 0;
  let stale = false;
  const log2 = log2Of();

  /** Whether (sa, ia) ranks before (sb, ib): highest score first, equal scores by id. */
  const before = (sa: number, ia: string, sb: number, ib: string): boolean => sa > sb || (sa === sb && ia < ib);
  const byRank = (a: number, b: number): number => {
    const sa = scores[a] as number;
    const sb = scores[b] as number;
    if (sa !== sb) return sa > sb ? -1 : 1;
    const ia = ids[a] as string;
    const ib = ids[b] as string;
    return ia < ib ? -1 : ia > ib ? 1 : 0;
  };

  /** First index in top[lo, hi) whose entry does not come before (score, id). */
  const lowerBound = (score: number, id: string, lo: number, hi: number): number => {
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const s = topScores[mid] as number;
      if (s > score || (s === score && (ids[top[mid] as number] as string) < id)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };

  const reserveTop = (n: number): void => {
    if (n <= top.length) return;
    const size = Math.min(cap, Math.max(n, top.length * 2));
    top = grown(top, size, (k) => new Int32Array(k));
    topScores = grown(topScores, size, (k) => new Float64Array(k));
  };

  const handleOf = (item: string, score: number): number => {
    const h = free.pop() ?? ids.length;
    if (h === ids.length) ids.push(item);
    else ids[h] = item;
    scores = grown(scores, h + 1, (k) => new Float64Array(k));
    inTop = grown(inTop, h + 1, (k) => new Uint8Array(k));
    scores[h] = score;
    inTop[h] = 0;
    handles.set(item, h);
    return h;
  };

  const rebuild = (): void => {
    for (let i = 0; i < topLen; i++) inTop[top[i] as number] = 0;
    for (const h of freeAfterRebuild) free.push(h);
    freeAfterRebuild.length = 0;
    const all = Array.from(handles.values()).sort(byRank);
    topLen = Math.min(cap, all.length);
    reserveTop(topLen);
    for (let i = 0; i < topLen; i++) {
      const h = all[i] as number;
      inTop[h] = 1;
      top[i] = h;
      topScores[i] = scores[h] as number;
    }
    stale = false;
  };

  const raise = (h: number, old: number): void => {
    const id = ids[h] as string;
    const score = scores[h] as number;
    let from: number;
    if (inTop[h] === 1) {
      from = lowerBound(old, id, 0, topLen);
    } else {
      if (topLen >= cap) {
        const last = topLen - 1;
        if (!before(score, id, topScores[last] as number, ids[top[last] as number] as string)) return;
        inTop[top[last] as number] = 0;
        topLen--;
      }
      reserveTop(topLen + 1);
      from = topLen++;
      inTop[h] = 1;
    }
    const to = lowerBound(score, id, 0, from);
    top.copyWithin(to + 1, to, from);
    topScores.copyWithin(to + 1, to, from);
    top[to] = h;
    topScores[to] = score;
  };

  const out = (h: number): Scored => ({ id: ids[h] as string, score: scores[h] as number });

  return {
    add(item, weight, ts, halfLifeMs) {
      const inc = log2(weight) + ts / halfLifeMs;
      let h = handles.get(item);
      let old = -Infinity;
      if (h === undefined) h = handleOf(item, log2AddExp(old, inc));
      else {
        old = scores[h] as number;
        scores[h] = log2AddExp(old, inc);
      }
      if (!stale) raise(h, old);
    },
    remove(item) {
      const h = handles.get(item);
      if (h === undefined) return;
      handles.delete(item);
      if (inTop[h] === 1) {
        stale = true;
        freeAfterRebuild.push(h);
      } else free.push(h);
    },
    top(n) {
      if (n <= 0) return [];
      if (stale) rebuild();
      if (n > topLen && topLen < handles.size) {
        // Beyond the kept top: a full sort, only for unusually long reads.
        return Array.from(handles.values()).sort(byRank).slice(0, n).map(out);
      }
      const list: Scored[] = new Array<Scored>(Math.min(n, topLen));
      for (let i = 0; i < list.length; i++) list[i] = out(top[i] as number);
      return list;
    },
    *entries() {
      for (const [id, h] of handles) yield [id, scores[h] as number];
    },
    set(item, score) {
      const h = handles.get(item);
      if (h === undefined) handleOf(item, score);
      else scores[h] = score;
      stale = true;
    },
  };
}
