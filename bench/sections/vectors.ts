import { createRng, hash32, type Rng } from '../../src/core/index.ts';

/**
 * Synthetic item embeddings for the index measurement. `clustered` resembles learned item vectors:
 * a mixture of Gaussians around `clusters` centroids (categories) of uneven size, each with
 * `subclusters` sub-centroids (product lines), plus isotropic noise. `uniform` is directions drawn
 * uniformly on the sphere: no structure at all, the hard case for a graph index.
 */
export type VectorKind = 'clustered' | 'uniform';

export interface VectorSpec {
  kind: VectorKind;
  dim: number;
  seed: number;
  clusters: number;
  subclusters: number;
  /** Length of the sub-centroid offset, relative to the unit centroid. */
  subSpread: number;
  /** Length of the per-item noise, relative to the unit centroid. */
  noise: number;
}

export const defaultSpec = (kind: VectorKind, seed: number, dim = 64): VectorSpec => ({
  kind,
  dim,
  seed,
  clusters: 200,
  subclusters: 16,
  subSpread: 0.5,
  noise: 0.5,
});

/** The shared structure of a clustered set; every thread derives the same one from the spec. */
interface Mixture {
  centroids: Float32Array[];
  subs: Float32Array[];
  /** Cumulative cluster weights (log-normal: a few big categories, many small ones). */
  cum: Float64Array;
}

function gaussian(rng: Rng, dim: number, scale: number): Float32Array {
  const v = new Float32Array(dim);
  for (let i = 0; i < dim; i++) v[i] = rng.normal() * scale;
  return v;
}

function unit(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i] as number) ** 2;
  const n = Math.sqrt(s) || 1;
  for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) / n;
  return v;
}

function mixtureOf(spec: VectorSpec): Mixture {
  const rng = createRng(hash32(`mixture:${spec.seed}`));
  const centroids: Float32Array[] = [];
  const subs: Float32Array[] = [];
  const cum = new Float64Array(spec.clusters);
  let total = 0;
  for (let c = 0; c < spec.clusters; c++) {
    centroids.push(unit(gaussian(rng, spec.dim, 1)));
    for (let s = 0; s < spec.subclusters; s++) subs.push(gaussian(rng, spec.dim, spec.subSpread / Math.sqrt(spec.dim)));
    cum[c] = total += Math.exp(rng.normal());
  }
  for (let c = 0; c < cum.length; c++) cum[c] = (cum[c] as number) / total;
  return { centroids, subs, cum };
}

function pickCluster(cum: Float64Array, u: number): number {
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((cum[mid] as number) < u) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A stream of unit vectors of the spec. `stream` names an independent sequence (a shard's items,
 * the queries), so shards built in different threads never share a vector.
 */
export function vectorSource(spec: VectorSpec, stream: string): () => Float32Array {
  const rng = createRng(hash32(`${stream}:${spec.seed}:${spec.kind}`));
  if (spec.kind === 'uniform') return () => unit(gaussian(rng, spec.dim, 1));
  const mix = mixtureOf(spec);
  const noise = spec.noise / Math.sqrt(spec.dim);
  return () => {
    const c = pickCluster(mix.cum, rng.next());
    const v = gaussian(rng, spec.dim, noise);
    const centroid = mix.centroids[c] as Float32Array;
    const sub = mix.subs[c * spec.subclusters + rng.int(spec.subclusters)] as Float32Array;
    for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) + (centroid[i] as number) + (sub[i] as number);
    return unit(v);
  };
}

/** `n` query vectors of the spec, flattened (n × dim), for sending to shard workers. */
export function queryBatch(spec: VectorSpec, n: number): Float32Array {
  const next = vectorSource(spec, 'queries');
  const out = new Float32Array(n * spec.dim);
  for (let q = 0; q < n; q++) out.set(next(), q * spec.dim);
  return out;
}
