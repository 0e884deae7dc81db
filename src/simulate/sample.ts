import type { Rng } from '../core/index.ts';

/**
 * A weighted set of indices sampled in O(log n) by binary search over cumulative weights. Pools are
 * built once per (market, category), (market, brand) and market, so a step of traffic allocates nothing.
 */
export interface Pool {
  readonly items: Int32Array;
  readonly cum: Float64Array;
  readonly total: number;
}

export const EMPTY_POOL: Pool = { items: new Int32Array(0), cum: new Float64Array(0), total: 0 };

export function createPool(indices: readonly number[], weight: (index: number) => number): Pool {
  if (indices.length === 0) return EMPTY_POOL;
  const items = Int32Array.from(indices);
  const cum = new Float64Array(items.length);
  let total = 0;
  for (let i = 0; i < items.length; i++) {
    total += weight(items[i]!);
    cum[i] = total;
  }
  return { items, cum, total };
}

/** Index of the first cumulative weight above `u * total`. */
export function pickCumulative(cum: Float64Array, total: number, u: number): number {
  const x = u * total;
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cum[mid]! > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** A weighted draw from the pool, or -1 when it is empty. */
export function samplePool(pool: Pool, rng: Rng): number {
  if (pool.total <= 0) return -1;
  return pool.items[pickCumulative(pool.cum, pool.total, rng.next())]!;
}

/** Gamma(shape, 1) by Marsaglia–Tsang; shapes below 1 use the boost Gamma(a+1)·U^(1/a). */
export function gamma(rng: Rng, shape: number): number {
  if (shape < 1) return gamma(rng, shape + 1) * Math.pow(Math.max(rng.next(), 1e-12), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = rng.normal();
    const v0 = 1 + c * x;
    if (v0 <= 0) continue;
    const v = v0 * v0 * v0;
    const u = rng.next();
    if (Math.log(Math.max(u, 1e-300)) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** A Dirichlet draw; small `alpha` concentrates the mass on one or two components. */
export function dirichlet(rng: Rng, alpha: readonly number[]): Float64Array {
  const out = new Float64Array(alpha.length);
  let sum = 0;
  for (let i = 0; i < alpha.length; i++) {
    const g = gamma(rng, alpha[i]!);
    out[i] = g;
    sum += g;
  }
  if (sum <= 0) out.fill(1 / alpha.length);
  else for (let i = 0; i < out.length; i++) out[i] = out[i]! / sum;
  return out;
}

/** Log-normal with median 1. */
export const logNormal = (rng: Rng, sigma: number): number => Math.exp(sigma * rng.normal());

/** Exponential with the given mean. */
export const exponential = (rng: Rng, mean: number): number => -Math.log(1 - rng.next()) * mean;
