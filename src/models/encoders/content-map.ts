import { badRequest, MeridianError } from '../../core/index.ts';

/**
 * The cold-start map: ridge regression from an item's hashed content features to its learned
 * vector, W = (XᵀX + λI)⁻¹ XᵀY, in closed form (Cholesky of a (inDim+1)² matrix). The last row of W
 * is a bias (its feature is a constant 1). An item with no behaviour then gets `normalize(x·W)`, a
 * vector in the learned space next to the items whose content it shares.
 */
export function fitContentMap(
  x: Float32Array,
  y: Float32Array,
  { n, inDim, dim, lambda = 0.1 }: { n: number; inDim: number; dim: number; lambda?: number },
): Float32Array {
  if (x.length !== n * inDim || y.length !== n * dim) throw badRequest('train_option_invalid', 'content map: x or y does not match n × dim');
  if (!(lambda > 0)) throw badRequest('train_option_invalid', `lambda must be > 0, got ${lambda}`, 'lambda');
  const p = inDim + 1;
  const a = new Float64Array(p * p);
  const b = new Float64Array(p * dim);
  const row = new Float64Array(p);
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < inDim; i++) row[i] = x[r * inDim + i] as number;
    row[inDim] = 1;
    for (let i = 0; i < p; i++) {
      const xi = row[i] as number;
      if (xi === 0) continue;
      for (let j = i; j < p; j++) a[i * p + j] = (a[i * p + j] as number) + xi * (row[j] as number);
      for (let d = 0; d < dim; d++) b[i * dim + d] = (b[i * dim + d] as number) + xi * (y[r * dim + d] as number);
    }
  }
  for (let i = 0; i < p; i++) {
    a[i * p + i] = (a[i * p + i] as number) + lambda;
    for (let j = 0; j < i; j++) a[i * p + j] = a[j * p + i] as number;
  }
  return Float32Array.from(solveSpd(a, b, p, dim));
}

/** Solves A X = B for a symmetric positive definite A (p × p) and B (p × m), by Cholesky. */
export function solveSpd(a: Float64Array, b: Float64Array, p: number, m: number): Float64Array {
  const l = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * p + j] as number;
      for (let k = 0; k < j; k++) s -= (l[i * p + k] as number) * (l[j * p + k] as number);
      if (i === j) {
        if (!(s > 0)) throw new MeridianError('train_singular', 'content map: the system is not positive definite');
        l[i * p + i] = Math.sqrt(s);
      } else l[i * p + j] = s / (l[j * p + j] as number);
    }
  }
  const x = Float64Array.from(b);
  // L Z = B, then Lᵀ X = Z, for every column at once.
  for (let i = 0; i < p; i++) {
    for (let k = 0; k < i; k++) {
      const lik = l[i * p + k] as number;
      if (lik !== 0) for (let d = 0; d < m; d++) x[i * m + d] = (x[i * m + d] as number) - lik * (x[k * m + d] as number);
    }
    const lii = l[i * p + i] as number;
    for (let d = 0; d < m; d++) x[i * m + d] = (x[i * m + d] as number) / lii;
  }
  for (let i = p - 1; i >= 0; i--) {
    for (let k = i + 1; k < p; k++) {
      const lki = l[k * p + i] as number;
      if (lki !== 0) for (let d = 0; d < m; d++) x[i * m + d] = (x[i * m + d] as number) - lki * (x[k * m + d] as number);
    }
    const lii = l[i * p + i] as number;
    for (let d = 0; d < m; d++) x[i * m + d] = (x[i * m + d] as number) / lii;
  }
  return x;
}
