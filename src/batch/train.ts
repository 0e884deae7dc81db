import { badRequest, dot, normalizeInPlace } from '../core/index.ts';
import { createDecayMixEncoder, createHashedContentEncoder } from '../online/index.ts';
import { applyContentMap, CONTENT_MAP, type ModelArtifact } from '../registry/index.ts';
import { fitContentMap } from './item2vec-content.ts';
import { trainItem2Vec, type EpochProgress } from './item2vec.ts';
import { fitDecayMixEncoder, loadTf, type TfModule } from './train-tf.ts';
import { createMetricAccumulator, tiedRank, type SequentialMetrics } from './metrics.ts';
import { purchaseSteps, type InteractionType, type ShopperSequence, type TrainingData } from './train-data.ts';

export interface TrainOptions {
  dim: number;
  epochs: number;
  seed: number;
  window: number;
  negatives: number;
  lr: number;
  /** Epochs of fine-tuning on carts and purchases after pretraining on every interaction (0: none). */
  finetuneEpochs: number;
  /** Half-life of the user encoder that serving applies to these vectors. */
  halfLifeMs: number;
  /** Hashed content features the cold-start map reads. */
  contentDim: number;
  lambda: number;
  /** Hold out each shopper's last item, train on the rest and report HR@10 / NDCG@10 first. */
  evaluate: boolean;
  /** Cases evaluated at most (the first ones, in shopper order). */
  maxCases: number;
  /** `tfjs`: learn the user encoder's half-life and type weights by next-item prediction; `fixed`: keep the defaults. */
  encoderFit: 'tfjs' | 'fixed';
  encoderSteps: number;
}

export const DEFAULT_TRAIN: Readonly<TrainOptions> = Object.freeze({
  dim: 64,
  epochs: 5,
  seed: 1,
  window: 3,
  negatives: 5,
  lr: 0.025,
  finetuneEpochs: 2,
  halfLifeMs: 30 * 60_000,
  contentDim: 256,
  lambda: 0.1,
  evaluate: true,
  maxCases: 2000,
  encoderFit: 'fixed',
  encoderSteps: 150,
});

const DEFAULT_TYPE_WEIGHTS: Record<InteractionType, number> = { view: 1, click: 2, add_to_cart: 3, purchase: 4 };

export type TrainPhase = 'evaluate: pretrain' | 'evaluate: fine-tune' | 'evaluate: encoder' | 'pretrain' | 'fine-tune' | 'encoder';

export interface TrainHooks {
  onEpoch?: (phase: TrainPhase, p: EpochProgress) => void;
  /** The tfjs backend chosen, when the encoder is fitted with tfjs. */
  onBackend?: (backend: string) => void;
  onEncoderStep?: (phase: TrainPhase, step: number, steps: number, loss: number) => void;
}

type UserEncoderParams = { halfLifeMs: number; weights: Record<InteractionType, number>; lossBefore?: number; loss?: number };

interface Fit {
  /** `numItems × dim`, unit rows: learned for items seen in training, the content map's for others, else zero. */
  vectors: Float32Array;
  seen: Uint8Array;
  map: Float32Array;
  loss: number;
  /** Mean cosine between the content map's vector and the learned one, over trained items with content. */
  contentFit: number;
  encoder: UserEncoderParams;
}

async function fit(
  seqs: readonly ShopperSequence[],
  data: TrainingData,
  o: TrainOptions,
  hooks: TrainHooks,
  evaluating: boolean,
  tf: (() => Promise<TfModule>) | undefined,
): Promise<Fit> {
  const n = data.itemIds.length;
  const { dim } = o;
  const opts = { dim, window: o.window, negatives: o.negatives, seed: o.seed, lr: o.lr };
  const tag = (p: 'pretrain' | 'fine-tune' | 'encoder'): TrainPhase => (evaluating ? `evaluate: ${p}` : p);
  const pre = await trainItem2Vec(seqs.map((s) => s.items), n, { ...opts, epochs: o.epochs }, (p) => hooks.onEpoch?.(tag('pretrain'), p));
  let trained = pre;
  const bought = seqs.map(purchaseSteps).filter((s) => s.length >= 2);
  if (o.finetuneEpochs > 0 && bought.length > 0) {
    trained = await trainItem2Vec(bought, n, { ...opts, epochs: o.finetuneEpochs, lr: o.lr / 2 }, (p) => hooks.onEpoch?.(tag('fine-tune'), p), pre);
  }
  const seen = new Uint8Array(n);
  for (const s of seqs) for (const x of s.items) seen[x] = 1;
  const vectors = itemSpace(trained.vectors, trained.context, seen, dim);
  const loss = trained.loss;
  const { map, contentFit } = fitMap(vectors, seen, data, o);
  // Items with content but no behaviour in this split: the cold-start vector, as serving would give them.
  const hashed = createHashedContentEncoder({ dim: o.contentDim });
  for (let i = 0; i < n; i++) {
    const c = seen[i] === 1 ? undefined : data.contents.get(data.itemIds[i] as string);
    if (c !== undefined) applyContentMap(hashed.encode(c), map, dim, vectors.subarray(i * dim, (i + 1) * dim));
  }
  let encoder: UserEncoderParams = { halfLifeMs: o.halfLifeMs, weights: { ...DEFAULT_TYPE_WEIGHTS } };
  if (tf !== undefined) {
    const fitOpts = { steps: o.encoderSteps, batch: 256, maxHistory: 20, maxCases: 20_000, lr: 0.05, seed: o.seed, ...encoder };
    encoder = await fitDecayMixEncoder(await tf(), seqs, vectors, dim, fitOpts, (step, l) => hooks.onEncoderStep?.(tag('encoder'), step, o.encoderSteps, l));
  }
  return { vectors, seen, map, loss, contentFit, encoder };
}

/**
 * Serving's item vectors: input + context vectors (both carry the co-occurrence signal), centred and
 * unit length. Skip-gram vectors share one strong common direction; left in, it dominates a sum of
 * several items (the shopper's vector) and ranks by that direction instead of by the shopper's taste.
 */
function itemSpace(input: Float32Array, context: Float32Array, seen: Uint8Array, dim: number): Float32Array {
  const n = seen.length;
  const out = new Float32Array(n * dim);
  const mean = new Float64Array(dim);
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (seen[i] !== 1) continue;
    const row = out.subarray(i * dim, (i + 1) * dim);
    for (let d = 0; d < dim; d++) row[d] = (input[i * dim + d] as number) + (context[i * dim + d] as number);
    normalizeInPlace(row);
    for (let d = 0; d < dim; d++) mean[d] = (mean[d] as number) + (row[d] as number);
    count++;
  }
  for (let i = 0; i < n; i++) {
    if (seen[i] !== 1) continue;
    const row = out.subarray(i * dim, (i + 1) * dim);
    for (let d = 0; d < dim; d++) row[d] = (row[d] as number) - (mean[d] as number) / count;
    normalizeInPlace(row);
  }
  return out;
}

function fitMap(vectors: Float32Array, seen: Uint8Array, data: TrainingData, o: TrainOptions): { map: Float32Array; contentFit: number } {
  const { dim, contentDim } = o;
  const hashed = createHashedContentEncoder({ dim: contentDim });
  const rows: number[] = [];
  for (let i = 0; i < seen.length; i++) if (seen[i] === 1 && data.contents.has(data.itemIds[i] as string)) rows.push(i);
  const x = new Float32Array(rows.length * contentDim);
  const y = new Float32Array(rows.length * dim);
  rows.forEach((item, r) => {
    x.set(hashed.encode(data.contents.get(data.itemIds[item] as string) as Parameters<typeof hashed.encode>[0]), r * contentDim);
    y.set(vectors.subarray(item * dim, (item + 1) * dim), r * dim);
  });
  const map = fitContentMap(x, y, { n: rows.length, inDim: contentDim, dim, lambda: o.lambda });
  let cos = 0;
  const out = new Float32Array(dim);
  for (let r = 0; r < rows.length; r++) cos += dot(applyContentMap(x.subarray(r * contentDim, (r + 1) * contentDim), map, dim, out), y.subarray(r * dim, (r + 1) * dim));
  return { map, contentFit: rows.length > 0 ? cos / rows.length : 0 };
}

/** Rank of `target` by `score` among items 0..n-1, the history excluded (a target in it is a miss). */
function rank(score: (i: number) => number, n: number, target: number, excluded: ReadonlySet<number>): number {
  if (excluded.has(target)) return Infinity;
  const x = score(target);
  let greater = 0;
  let ties = 0;
  for (let i = 0; i < n; i++) {
    if (i === target || excluded.has(i)) continue;
    const v = score(i);
    if (v > x) greater++;
    else if (v === x) ties++;
  }
  return tiedRank(greater, ties);
}

export interface HoldoutMetrics {
  cases: number;
  model: SequentialMetrics;
  popularity: SequentialMetrics;
  /** The built-in encoders (hashed content vectors, same user encoder): what serving had before a model. */
  builtIn: SequentialMetrics;
}

/**
 * Leave-last-out: each shopper's history (all but the last step) goes through the serving user
 * encoder over the fitted vectors; the last item is ranked among every item, the history excluded.
 */
function evaluateHoldout(cases: readonly ShopperSequence[], f: Fit, train: readonly ShopperSequence[], data: TrainingData, o: TrainOptions): HoldoutMetrics {
  const { dim } = o;
  const n = data.itemIds.length;
  const pop = new Float64Array(n);
  for (const s of train) for (const x of s.items) pop[x] = (pop[x] as number) + 1;
  const hashed = createHashedContentEncoder({ dim });
  const builtInVectors = new Float32Array(n * dim);
  data.itemIds.forEach((id, i) => {
    const c = data.contents.get(id);
    if (c !== undefined) builtInVectors.set(hashed.encode(c), i * dim);
  });
  const encoder = createDecayMixEncoder({ dim, halfLifeMs: f.encoder.halfLifeMs, weights: f.encoder.weights });
  const builtInEncoder = createDecayMixEncoder({ dim, halfLifeMs: o.halfLifeMs });
  const query = (vectors: Float32Array, s: ShopperSequence, last: number, enc = encoder): Float32Array => {
    let state: Float32Array | undefined;
    for (let i = 0; i < last; i++) {
      const item = s.items[i] as number;
      const dt = i === 0 ? 0 : (s.ts[i] as number) - (s.ts[i - 1] as number);
      state = enc.step(state, vectors.subarray(item * dim, (item + 1) * dim), s.types[i] as InteractionType, dt).slice();
    }
    return enc.query(state as Float32Array);
  };
  const model = createMetricAccumulator();
  const popularity = createMetricAccumulator();
  const builtIn = createMetricAccumulator();
  for (const s of cases) {
    const last = s.items.length - 1;
    const excluded = new Set(s.items.subarray(0, last));
    const target = s.items[last] as number;
    const q = query(f.vectors, s, last);
    model.add(rank((i) => dot(q, f.vectors.subarray(i * dim, (i + 1) * dim)), n, target, excluded));
    const qb = query(builtInVectors, s, last, builtInEncoder);
    builtIn.add(rank((i) => dot(qb, builtInVectors.subarray(i * dim, (i + 1) * dim)), n, target, excluded));
    popularity.add(rank((i) => pop[i] as number, n, target, excluded));
  }
  return { cases: model.count, model: model.sequential(), popularity: popularity.sequential(), builtIn: builtIn.sequential() };
}

/**
 * Trains a model: item2vec pretraining on every shopper's interactions, fine-tuning on carts and
 * purchases, and the cold-start content map. With `evaluate`, a first run without each shopper's
 * last item measures HR@10 / NDCG@10 against popularity (reported, never tuned on); the published
 * model is then trained on everything.
 */
export async function trainModel(data: TrainingData, options: Partial<TrainOptions> = {}, hooks: TrainHooks = {}): Promise<ModelArtifact> {
  const o: TrainOptions = { ...DEFAULT_TRAIN, ...options };
  if (data.itemIds.length === 0) throw badRequest('train_no_data', 'no shopper interactions to train on');
  const n = data.itemIds.length;
  let loaded: Promise<TfModule> | undefined;
  const tf =
    o.encoderFit === 'tfjs'
      ? () =>
          (loaded ??= loadTf().then(({ tf: mod, backend }) => {
            hooks.onBackend?.(backend);
            return mod;
          }))
      : undefined;
  let holdout: HoldoutMetrics | undefined;
  if (o.evaluate) {
    const cases = data.sequences.filter((s) => s.items.length >= 3).slice(0, o.maxCases);
    const caseKeys = new Set(cases.map((s) => s.key));
    const train = data.sequences.map((s) => (caseKeys.has(s.key) ? cut(s) : s));
    const f = await fit(train, data, o, hooks, true, tf);
    holdout = evaluateHoldout(cases, f, train, data, o);
  }
  const f = await fit(data.sequences, data, o, hooks, false, tf);
  const keep: number[] = [];
  for (let i = 0; i < n; i++) if (f.seen[i] === 1) keep.push(i);
  const itemVectors = new Float32Array(keep.length * o.dim);
  keep.forEach((item, r) => itemVectors.set(f.vectors.subarray(item * o.dim, (item + 1) * o.dim), r * o.dim));
  return {
    dim: o.dim,
    dataRange: data.range,
    metrics: {
      loss: f.loss,
      contentFit: f.contentFit,
      shoppers: data.sequences.length,
      items: keep.length,
      ...(f.encoder.loss === undefined ? {} : { encoderLoss: { before: f.encoder.lossBefore, after: f.encoder.loss } }),
      ...(holdout === undefined ? {} : { holdout }),
    },
    config: { ...o },
    encoder: { kind: 'decay-mix', halfLifeMs: f.encoder.halfLifeMs, weights: f.encoder.weights },
    content: { kind: 'hashed-linear', inputDim: o.contentDim, lambda: o.lambda },
    itemIds: keep.map((i) => data.itemIds[i] as string),
    itemVectors,
    weights: { [CONTENT_MAP]: { shape: [o.contentDim + 1, o.dim], data: f.map } },
  };
}

/** The sequence without its last step. */
function cut(s: ShopperSequence): ShopperSequence {
  const k = s.items.length - 1;
  return { key: s.key, items: s.items.subarray(0, k), types: s.types.slice(0, k), ts: s.ts.subarray(0, k) };
}
