import { badRequest, dot } from '../../core/index.ts';
import { createDecayMixEncoder, createHashedContentEncoder } from '../../models/index.ts';
import { CONTENT_MAP, type ModelArtifact } from '../../registry/index.ts';
import { fitModel, type FittedModel } from './fit.ts';
import { loadTf, type TfModule } from '../../models/index.ts';
import { createMetricAccumulator, tiedRank, type SequentialMetrics } from '../evaluate/metrics.ts';
import { DEFAULT_TRAIN, validateTrainOptions, type TrainHooks, type TrainOptions } from './options.ts';
import type { InteractionType, ShopperSequence, TrainingData } from '../../models/index.ts';
import { DEFAULT_TRAIN_TUNE, tuneServing, validationSplit, type ServingTuning, type TrainTuneOptions } from './tune.ts';

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
  /** With per-market fine-tuning: each case scored with the vectors of its last step's market. */
  perMarket?: SequentialMetrics;
  popularity: SequentialMetrics;
  /** The built-in encoders (hashed content vectors, same user encoder): what serving had before a model. */
  builtIn: SequentialMetrics;
}

type Query = (vectors: Float32Array, s: ShopperSequence, last: number) => Float32Array;

/** The serving user encoder run over the first `last` steps of a sequence. */
function queryWith(enc: ReturnType<typeof createDecayMixEncoder>, dim: number): Query {
  return (vectors, s, last) => {
    let state: Float32Array | undefined;
    for (let i = 0; i < last; i++) {
      const item = s.items[i] as number;
      const dt = i === 0 ? 0 : (s.ts[i] as number) - (s.ts[i - 1] as number);
      state = enc.step(state, vectors.subarray(item * dim, (item + 1) * dim), s.types[i] as InteractionType, dt);
    }
    return enc.query(state as Float32Array);
  };
}

/**
 * Leave-last-out: each shopper's history (all but the last step) goes through the serving user
 * encoder over the fitted vectors; the last item is ranked among every item, the history excluded.
 */
function evaluateHoldout(cases: readonly ShopperSequence[], f: FittedModel, train: readonly ShopperSequence[], data: TrainingData, o: TrainOptions): HoldoutMetrics {
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
  const query = queryWith(createDecayMixEncoder({ dim, halfLifeMs: f.encoder.halfLifeMs, weights: f.encoder.weights }), dim);
  const builtInQuery = queryWith(createDecayMixEncoder({ dim, halfLifeMs: o.halfLifeMs }), dim);
  const ranked = (vectors: Float32Array, q: Float32Array, target: number, excluded: ReadonlySet<number>): number =>
    rank((i) => dot(q, vectors.subarray(i * dim, (i + 1) * dim)), n, target, excluded);
  const model = createMetricAccumulator();
  const perMarket = createMetricAccumulator();
  const popularity = createMetricAccumulator();
  const builtIn = createMetricAccumulator();
  for (const s of cases) {
    const last = s.items.length - 1;
    const excluded = new Set(s.items.subarray(0, last));
    const target = s.items[last] as number;
    const r = ranked(f.vectors, query(f.vectors, s, last), target, excluded);
    model.add(r);
    const table = f.markets.get(s.markets[last] as string);
    perMarket.add(table === undefined ? r : ranked(table, query(table, s, last), target, excluded));
    builtIn.add(ranked(builtInVectors, builtInQuery(builtInVectors, s, last), target, excluded));
    popularity.add(rank((i) => pop[i] as number, n, target, excluded));
  }
  return {
    cases: model.count,
    model: model.sequential(),
    ...(f.markets.size > 0 ? { perMarket: perMarket.sequential() } : {}),
    popularity: popularity.sequential(),
    builtIn: builtIn.sequential(),
  };
}

/** The weight name of a market's fine-tuned item table (rows in `itemIds` order). */
export const marketWeightName = (market: string): string => `market-${market.toLowerCase()}`;

function rowsOf(table: Float32Array, keep: readonly number[], dim: number): Float32Array {
  const out = new Float32Array(keep.length * dim);
  keep.forEach((item, r) => out.set(table.subarray(item * dim, (item + 1) * dim), r * dim));
  return out;
}

/** Loads tfjs once, on first use, and reports the backend. */
function lazyTf(o: TrainOptions, hooks: TrainHooks): (() => Promise<TfModule>) | undefined {
  if (o.encoderFit !== 'tfjs') return undefined;
  let loaded: Promise<TfModule> | undefined;
  return () =>
    (loaded ??= loadTf().then(({ tf, backend }) => {
      hooks.onBackend?.(backend);
      return tf;
    }));
}

/**
 * Trains a model: item2vec pretraining on every shopper's interactions, the user encoder, the
 * next-item fine-tune (on purchases, then per market when asked), and the cold-start content map.
 * With `evaluate` or `tune`, a first run trains on the validation split (each shopper with three
 * items or more without its last item; its phases are reported as `evaluate: …`). With `evaluate`
 * it measures HR@10 / NDCG@10 of the first `maxCases` of those shoppers against popularity
 * (reported, never tuned on). With `tune`, the serving blend is tuned on them (train-tune.ts) and
 * published with the model. The published model is then trained on everything.
 */
export async function trainModel(data: TrainingData, options: Partial<TrainOptions> = {}, hooks: TrainHooks = {}, tune?: Partial<TrainTuneOptions>): Promise<ModelArtifact> {
  const o: TrainOptions = { ...DEFAULT_TRAIN, ...options };
  validateTrainOptions(o);
  if (data.itemIds.length === 0) throw badRequest('train_no_data', 'no shopper interactions to train on');
  const n = data.itemIds.length;
  const tf = lazyTf(o, hooks);
  let holdout: HoldoutMetrics | undefined;
  let tuning: ServingTuning | undefined;
  if (o.evaluate || tune !== undefined) {
    const split = validationSplit(data);
    const f = await fitModel(split.train, data, o, hooks, { evaluating: true, tf });
    if (o.evaluate) holdout = evaluateHoldout(split.cases.slice(0, o.maxCases).map((i) => data.sequences[i] as ShopperSequence), f, split.train, data, o);
    if (tune !== undefined) tuning = tuneServing(data, split, f, o.dim, { seed: o.seed, ...tune });
  }
  const f = await fitModel(data.sequences, data, o, hooks, { tf });
  const keep: number[] = [];
  for (let i = 0; i < n; i++) if (f.seen[i] === 1) keep.push(i);
  const weights: ModelArtifact['weights'] = { [CONTENT_MAP]: { shape: [o.contentDim + 1, o.dim], data: f.map } };
  for (const [m, table] of f.markets) weights[marketWeightName(m)] = { shape: [keep.length, o.dim], data: rowsOf(table, keep, o.dim) };
  return {
    dim: o.dim,
    dataRange: data.range,
    metrics: {
      loss: f.loss,
      losses: f.losses,
      contentFit: f.contentFit,
      shoppers: data.sequences.length,
      items: keep.length,
      markets: [...f.markets.keys()],
      ...(f.encoder.loss === undefined ? {} : { encoderLoss: { before: f.encoder.lossBefore, after: f.encoder.loss } }),
      ...(holdout === undefined ? {} : { holdout }),
      ...(tuning === undefined ? {} : { tuning: tuning.metrics }),
    },
    config: { ...o, ...(tune === undefined ? {} : { tune: { tuneCases: tune.tuneCases ?? DEFAULT_TRAIN_TUNE.tuneCases, cuts: [...(tune.cuts ?? DEFAULT_TRAIN_TUNE.cuts)] } }) },
    encoder: { kind: 'decay-mix', halfLifeMs: f.encoder.halfLifeMs, weights: f.encoder.weights },
    content: { kind: 'hashed-linear', inputDim: o.contentDim, lambda: o.lambda },
    itemIds: keep.map((i) => data.itemIds[i] as string),
    itemVectors: rowsOf(f.vectors, keep, o.dim),
    weights,
    ...(tuning === undefined ? {} : { sequence: tuning.sequence, blend: tuning.blend }),
  };
}
