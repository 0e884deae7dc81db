import { createDecayMixEncoder, type UserEncoder } from '../../models/index.ts';
import { fitModel, type FittedModel } from './fit.ts';
import { idSequencesTrainingData, LINE_STEP_MS } from '../../models/index.ts';
import { loadTf } from '../../models/index.ts';
import { DEFAULT_TRAIN, validateTrainOptions, type TrainHooks, type TrainOptions } from './options.ts';

/**
 * The learned component of the offline evaluation: the shopper's history goes through the online
 * user encoder (the decay mix) over item vectors trained by `meridian train`'s pipeline on the
 * training part of the split only; every item is scored by inner product with that vector, as the
 * vector index does in serving. The line format has no time and no event type: each step is a view,
 * one step per LINE_STEP_MS, the same convention `meridian train --lines` uses.
 *
 * Its scores enter the blend like the other components, as values in [0, 1]: for a cut K,
 * learned(i) = max(0, s(i) − s₍K₊₁₎) / (s₍₁₎ − s₍K₊₁₎), where s₍k₎ is the k-th largest score among the
 * items that can be ranked (history excluded). A dense function of every item's score, non-zero only
 * for the K best.
 */
export interface LearnedTop {
  /** Item ids, best first. */
  ids: Int32Array;
  /** Their raw scores (u · v), descending. */
  scores: Float32Array;
}

export interface LearnedScorer {
  readonly dim: number;
  readonly numItems: number;
  /** The query vector (unit) of a history. */
  query(history: ArrayLike<number>): Float32Array;
  /** The `max` best items for a history, the excluded ones left out. */
  top(history: ArrayLike<number>, excluded: ReadonlySet<number>, max: number): LearnedTop;
}

export interface LearnedSource {
  /** `(numItems + 1) × dim`, row = item id (row 0 unused). */
  vectors: Float32Array;
  dim: number;
  halfLifeMs: number;
  weights: Partial<Record<'view' | 'click' | 'add_to_cart' | 'purchase', number>>;
}

export function createLearnedScorer(src: LearnedSource): LearnedScorer {
  const { vectors, dim } = src;
  const numItems = vectors.length / dim - 1;
  const encoder: UserEncoder = createDecayMixEncoder({ dim, halfLifeMs: src.halfLifeMs, weights: src.weights });
  const all = new Float32Array(numItems + 1);
  const work = new Float32Array(numItems + 1);
  const query = (history: ArrayLike<number>): Float32Array => {
    let state: Float32Array | undefined;
    for (let k = 0; k < history.length; k++) {
      const item = history[k] as number;
      state = encoder.step(state, vectors.subarray(item * dim, (item + 1) * dim), 'view', k === 0 ? 0 : LINE_STEP_MS);
    }
    return state === undefined ? new Float32Array(dim) : encoder.query(state);
  };
  return {
    dim,
    numItems,
    query,
    top(history, excluded, max) {
      const q = query(history);
      scoreAll(vectors, dim, q, all);
      all[0] = -Infinity;
      for (const x of excluded) if (x <= numItems) all[x] = -Infinity;
      return selectTop(all, work, max);
    },
  };
}

/** out[i] = q · row i, for every row (four partial sums: about a third faster than one). */
function scoreAll(vectors: Float32Array, dim: number, q: Float32Array, out: Float32Array): void {
  const n = out.length;
  const tail = dim - (dim % 4);
  for (let i = 0, row = 0; i < n; i++, row += dim) {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let d = 0; d < tail; d += 4) {
      s0 += (q[d] as number) * (vectors[row + d] as number);
      s1 += (q[d + 1] as number) * (vectors[row + d + 1] as number);
      s2 += (q[d + 2] as number) * (vectors[row + d + 2] as number);
      s3 += (q[d + 3] as number) * (vectors[row + d + 3] as number);
    }
    for (let d = tail; d < dim; d++) s0 += (q[d] as number) * (vectors[row + d] as number);
    out[i] = s0 + s1 + s2 + s3;
  }
}

/** The `max` largest finite values of `all` (ids and values, descending), by selection then a small sort. */
function selectTop(all: Float32Array, work: Float32Array, max: number): LearnedTop {
  work.set(all);
  let finite = 0;
  for (let i = 0; i < work.length; i++) if (work[i] !== -Infinity) work[finite++] = work[i] as number;
  const k = Math.min(max, finite);
  if (k === 0) return { ids: new Int32Array(0), scores: new Float32Array(0) };
  const threshold = kthLargest(work.subarray(0, finite), k);
  const ids: number[] = [];
  for (let i = 0; i < all.length && ids.length < k; i++) if ((all[i] as number) > threshold) ids.push(i);
  for (let i = 0; i < all.length && ids.length < k; i++) if (all[i] === threshold) ids.push(i);
  ids.sort((a, b) => (all[b] as number) - (all[a] as number) || a - b);
  return { ids: Int32Array.from(ids), scores: Float32Array.from(ids, (i) => all[i] as number) };
}

/** Quickselect (in place): the k-th largest value of `a` (1-based). */
function kthLargest(a: Float32Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  const want = k - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1] as number;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((a[i] as number) > pivot) i++;
      while ((a[j] as number) < pivot) j--;
      if (i <= j) {
        const t = a[i] as number;
        a[i] = a[j] as number;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (want <= j) hi = j;
    else if (want >= i) lo = i;
    else break;
  }
  return a[want] as number;
}

/** Adds the learned component at cut `cut` (see above), times `weight`, through `add`. */
export function addLearned(top: LearnedTop, cut: number, weight: number, add: (item: number, value: number) => void): void {
  const k = Math.min(cut, top.ids.length - 1);
  if (k <= 0 || weight === 0) return;
  const floor = top.scores[k] as number;
  const span = (top.scores[0] as number) - floor;
  if (!(span > 0)) return;
  for (let i = 0; i < k; i++) add(top.ids[i] as number, (weight * ((top.scores[i] as number) - floor)) / span);
}

/** The parts of the training pipeline an evaluation can switch on, in the order they build on each other. */
export const LEARNED_PARTS = ['pretrain', 'finetune', 'augment', 'adversarial'] as const;
export type LearnedPart = (typeof LEARNED_PARTS)[number];

/** Training options of a set of parts: pretraining alone, plus the fine-tune, augmentation, adversarial training. */
export function partOptions(parts: readonly LearnedPart[], base: Partial<TrainOptions>, extra: { augment: TrainOptions['augment']; adversarial: number }): Partial<TrainOptions> {
  return {
    ...base,
    finetuneEpochs: parts.includes('finetune') ? (base.finetuneEpochs ?? DEFAULT_TRAIN.finetuneEpochs) : 0,
    augment: parts.includes('augment') ? extra.augment : undefined,
    adversarial: parts.includes('adversarial') ? extra.adversarial : 0,
  };
}

export interface LearnedTraining {
  scorer: LearnedScorer;
  fitted: FittedModel;
  /** Wall-clock and CPU seconds of this training run. */
  seconds: number;
  cpuSeconds: number;
  backend?: string;
}

/** Trains the learned component on `sequences` (item ids from 1, the training part of a split). */
export async function trainLearned(sequences: readonly Int32Array[], numItems: number, options: Partial<TrainOptions>, hooks: TrainHooks = {}): Promise<LearnedTraining> {
  const o: TrainOptions = { ...DEFAULT_TRAIN, ...options, evaluate: false };
  validateTrainOptions(o);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const data = idSequencesTrainingData(sequences, numItems);
  let backend: string | undefined;
  const tf =
    o.encoderFit === 'tfjs'
      ? async () => {
          const r = await loadTf();
          backend = r.backend;
          hooks.onBackend?.(r.backend);
          return r.tf;
        }
      : undefined;
  const fitted = await fitModel(data.sequences, data, o, hooks, { tf });
  const scorer = createLearnedScorer({ vectors: fitted.vectors, dim: o.dim, halfLifeMs: fitted.encoder.halfLifeMs, weights: fitted.encoder.weights });
  const cpu = process.cpuUsage(c0);
  return { scorer, fitted, seconds: (performance.now() - t0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6, ...(backend === undefined ? {} : { backend }) };
}
