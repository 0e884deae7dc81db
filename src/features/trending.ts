import type { Scored } from '../core/index.ts';

/** log2(2^a + 2^b) without overflow: max + log2(1 + 2^(min - max)). */
export function log2AddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const hi = a > b ? a : b;
  const lo = a > b ? b : a;
  return hi + Math.log1p(Math.pow(2, lo - hi)) / Math.LN2;
}

/** Highest score first; equal scores by id so every read is deterministic. */
const before = (a: Scored, b: Scored): boolean => a.score > b.score || (a.score === b.score && a.id < b.id);

/** First index in top[lo, hi) whose entry does not come before `e`. */
function lowerBound(top: readonly Scored[], e: Scored, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(top[mid] as Scored, e)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
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

export function createTrendBoard(cap: number): TrendBoard {
  const scores = new Map<string, number>();
  let top: Scored[] = [];
  const inTop = new Set<string>();
  let stale = false;

  const rebuild = (): void => {
    const all: Scored[] = [];
    for (const [id, score] of scores) all.push({ id, score });
    all.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
    top = all.slice(0, cap);
    inTop.clear();
    for (const e of top) inTop.add(e.id);
    stale = false;
  };

  const raise = (item: string, old: number, score: number): void => {
    if (inTop.has(item)) {
      const at = lowerBound(top, { id: item, score: old }, 0, top.length);
      const entry = top[at] as Scored;
      entry.score = score;
      // A plain loop: Array#copyWithin is far slower than this on an array of objects.
      const to = lowerBound(top, entry, 0, at);
      for (let i = at; i > to; i--) top[i] = top[i - 1] as Scored;
      top[to] = entry;
      return;
    }
    const entry = { id: item, score };
    if (top.length >= cap) {
      const last = top[top.length - 1] as Scored;
      if (!before(entry, last)) return;
      top.pop();
      inTop.delete(last.id);
    }
    top.splice(lowerBound(top, entry, 0, top.length), 0, entry);
    inTop.add(item);
  };

  return {
    add(item, weight, ts, halfLifeMs) {
      const old = scores.get(item) ?? -Infinity;
      const score = log2AddExp(old, Math.log2(weight) + ts / halfLifeMs);
      scores.set(item, score);
      if (!stale) raise(item, old, score);
    },
    remove(item) {
      if (!scores.delete(item)) return;
      if (inTop.has(item)) stale = true;
    },
    top(n) {
      if (n <= 0) return [];
      if (stale) rebuild();
      if (n > top.length && top.length < scores.size) {
        // Beyond the kept top: a full sort, only for unusually long reads.
        const all = Array.from(scores, ([id, score]) => ({ id, score }));
        all.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
        return all.slice(0, n);
      }
      const out: Scored[] = new Array<Scored>(Math.min(n, top.length));
      for (let i = 0; i < out.length; i++) {
        const e = top[i] as Scored;
        out[i] = { id: e.id, score: e.score };
      }
      return out;
    },
    entries: () => scores.entries(),
    set(item, score) {
      scores.set(item, score);
      stale = true;
    },
  };
}
