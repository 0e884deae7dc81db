/**
 * Ranking metrics with exact tie handling. A target whose score is strictly beaten by `g` items and
 * tied with `t` other items gets rank g + t/2 + 1: the mean of the ranks it could take under a random
 * tie break (g+1 … g+t+1). HR@K counts rank <= K; NDCG@K = 1/log2(rank + 1) when rank <= K (one
 * relevant item, so the ideal DCG is 1); MRR@K = 1/rank when rank <= K. A target that the protocol
 * excludes (it is in the user's history) never ranks: rank = Infinity, a miss.
 */
export function tiedRank(greater: number, ties: number): number {
  return greater + ties / 2 + 1;
}

/**
 * Rank of `target` over items 1..scores.length-1 (index 0 is padding), skipping excluded items.
 */
export function rankOf(scores: ArrayLike<number>, target: number, excluded?: ReadonlySet<number>): number {
  if (excluded?.has(target) === true) return Infinity;
  const x = scores[target] as number;
  let greater = 0;
  let ties = 0;
  for (let i = 1; i < scores.length; i++) {
    if (i === target || excluded?.has(i) === true) continue;
    const v = scores[i] as number;
    if (v > x) greater++;
    else if (v === x) ties++;
  }
  return tiedRank(greater, ties);
}

export interface SequentialMetrics {
  hr10: number;
  ndcg10: number;
  hr20: number;
  ndcg20: number;
}

export interface SessionMetrics {
  /** Percent, as published. */
  p20: number;
  /** Percent, as published. */
  mrr20: number;
}

export interface MetricAccumulator {
  add(rank: number): void;
  readonly count: number;
  sequential(): SequentialMetrics;
  session(): SessionMetrics;
}

export function createMetricAccumulator(): MetricAccumulator {
  let n = 0;
  let hr10 = 0;
  let ndcg10 = 0;
  let hr20 = 0;
  let ndcg20 = 0;
  let mrr20 = 0;
  return {
    add(rank) {
      n++;
      if (rank > 20) return;
      const g = 1 / Math.log2(rank + 1);
      hr20++;
      ndcg20 += g;
      mrr20 += 1 / rank;
      if (rank <= 10) {
        hr10++;
        ndcg10 += g;
      }
    },
    get count() {
      return n;
    },
    sequential: () => {
      const d = Math.max(n, 1);
      return { hr10: hr10 / d, ndcg10: ndcg10 / d, hr20: hr20 / d, ndcg20: ndcg20 / d };
    },
    session: () => {
      const d = Math.max(n, 1);
      return { p20: (100 * hr20) / d, mrr20: (100 * mrr20) / d };
    },
  };
}

/** Items among `sorted` (ascending) whose weighted value w * v is > x (strict) or >= x. */
function countAbove(sorted: Float64Array, w: number, x: number, strict: boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = w * (sorted[mid] as number);
    if (strict ? v > x : v >= x) hi = mid;
    else lo = mid + 1;
  }
  return sorted.length - lo;
}

/**
 * Exact tied rank when score(i) = w * base[i] + sparse(i): the untouched items are counted by binary
 * search over the sorted base values, then the touched and excluded items are corrected one by one.
 * Gives the same rank as `rankOf` on the dense vector, in O(touched + excluded + log n).
 */
export function rankBlended(
  base: { weight: number; values: Float64Array; sorted: Float64Array },
  sparse: { readonly size: number; id(i: number): number; get(item: number): number },
  target: number,
  excluded: ReadonlySet<number>,
): number {
  if (excluded.has(target)) return Infinity;
  const w = base.weight;
  const x = w * (base.values[target] ?? 0) + sparse.get(target);
  let greater = countAbove(base.sorted, w, x, true);
  let ties = countAbove(base.sorted, w, x, false) - greater;
  const drop = (item: number): void => {
    const b = w * (base.values[item] ?? 0);
    if (b > x) greater--;
    else if (b === x) ties--;
  };
  for (const item of excluded) drop(item);
  for (let k = 0; k < sparse.size; k++) {
    const item = sparse.id(k);
    if (excluded.has(item)) continue;
    drop(item);
    const s = w * (base.values[item] ?? 0) + sparse.get(item);
    if (s > x) greater++;
    else if (s === x) ties++;
  }
  // The target itself was counted once among the ties.
  return tiedRank(greater, ties - 1);
}
