import { badRequest, createRng, silentLogger, type Logger } from '../../core/index.ts';
import type { BlendSection, SequenceSection } from '../../registry/index.ts';
import { DEFAULT_PARAMS, type ComponentName } from '../../models/index.ts';
import { buildModel, evaluateModel } from '../evaluate/evaluate.ts';
import { evaluateBlendWithLearned } from '../evaluate/learned.ts';
import { createLearnedScorer } from './learned.ts';
import type { MetricAccumulator } from '../evaluate/metrics.ts';
import type { EvalCase } from '../evaluate/protocol.ts';
import type { ShopperSequence, TrainingData } from '../../models/index.ts';
import type { FittedModel } from './fit.ts';
import { sampleCases, tuneComponents, tuneWeights, type ParamAxis, type TuneStep } from '../evaluate/tune.ts';

/**
 * What `meridian train` tunes for serving, on validation, as `meridian evaluate` does: the sequence
 * model's component parameters (each component alone), its blend weights, then the learned
 * component's weight and cut over the item vectors trained on the same training part. Each shopper
 * with at least three items is a validation case: its history is every item but the last, the
 * target its last item; the statistics and the vectors are built without the targets. The published
 * model is then trained on everything, with these parameters.
 *
 * The learned component is scored as in the evaluation: the history through the fitted decay-mix
 * encoder as views one LINE_STEP_MS apart (serving's shopper vector also weighs event types and
 * real gaps), every item by inner product with the trained vectors.
 */
export interface TrainTuneOptions {
  /** Validation cases tuned on (a seeded sample). */
  tuneCases: number;
  /** Cuts K tried for the learned component; at most the serving cap (src/engine LEARNED_CUT_CAP, 200). */
  cuts: readonly number[];
  /** Component parameters searched, each value tried with the component judged alone. */
  axes: readonly ParamAxis[];
  seed: number;
  logger: Logger;
}

/** A quick search: every default value is among those tried, so a component never tunes below its default. */
export const TRAIN_AXES: readonly ParamAxis[] = Object.freeze([
  { component: 'knn', key: 'decay', values: [0.5, 0.7, 0.9] },
  { component: 'transitions', key: 'orderDecay', values: [0, 0.3] },
  { component: 'transitions', key: 'skipDecay', values: [0, 0.3] },
  { component: 'neighbours', key: 'positionScale', values: [1, 2, 4] },
  { component: 'neighbours', key: 'neighbourScale', values: [1, 2, 4] },
  { component: 'neighbours', key: 'before', values: [0, 0.5, 1] },
  { component: 'neighbours', key: 'k', values: [50, 100, 200] },
]);

export const DEFAULT_TRAIN_TUNE: Readonly<TrainTuneOptions> = Object.freeze({
  tuneCases: 2000,
  cuts: [25, 50, 100, 200],
  axes: TRAIN_AXES,
  seed: 1,
  logger: silentLogger,
});

/** History items are excluded from the ranking, so the repeat component has nothing to rank. */
const PARTS: readonly ComponentName[] = ['knn', 'transitions', 'neighbours'];

export function validateTuneOptions(o: TrainTuneOptions): void {
  if (!Number.isInteger(o.tuneCases) || o.tuneCases < 1) throw badRequest('train_option_invalid', `tuneCases must be an integer >= 1, got ${o.tuneCases}`, 'tuneCases');
  if (o.cuts.length === 0 || !o.cuts.every((c) => Number.isInteger(c) && c >= 1)) throw badRequest('train_option_invalid', `cuts must be integers >= 1, got ${o.cuts.join(',')}`, 'cuts');
}

/** The validation part of a training run. */
export interface ValidationSplit {
  /** Every shopper's sequence (data order), a case's without its last item: what validation trains on. */
  train: ShopperSequence[];
  /** Indexes (into `train` and the data's sequences) of the shoppers that are cases. */
  cases: number[];
}

export function validationSplit(data: TrainingData, minItems = 3): ValidationSplit {
  const cases: number[] = [];
  const train = data.sequences.map((s, i) => {
    if (s.items.length < minItems) return s;
    cases.push(i);
    const k = s.items.length - 1;
    return { key: s.key, items: s.items.subarray(0, k), types: s.types.slice(0, k), ts: s.ts.subarray(0, k), markets: s.markets.slice(0, k) };
  });
  return { train, cases };
}

export interface TuningMetrics {
  objective: 'ndcg10';
  cases: number;
  /** The sequence model with DEFAULT_PARAMS, alone (serving before a tuned model, less the raw cosine). */
  defaults: number;
  /** The tuned sequence model plus the learned component at its tuned weight and cut. */
  tuned: number;
  /** Which one the version carries: the tuned blend unless it fell below the defaults. */
  published: 'tuned' | 'defaults';
  learned: { weight: number; cut: number };
  steps: number;
  seconds: number;
}

export interface ServingTuning {
  sequence: SequenceSection;
  blend: BlendSection;
  metrics: TuningMetrics;
}

const ndcg10 = (m: MetricAccumulator): number => m.sequential().ndcg10;

/** Item index i of the training data is id i + 1 in the sequence statistics (0 is never an item). */
const ids = (items: Int32Array): Int32Array => Int32Array.from(items, (x) => x + 1);

/** Rows by statistics id: row 0 zero, row i + 1 the fitted vector of item index i. */
function vectorsById(f: FittedModel, dim: number): Float32Array {
  const out = new Float32Array(f.vectors.length + dim);
  out.set(f.vectors, dim);
  return out;
}

/**
 * Tunes the serving blend on the validation split, with `fitted` trained on `split.train` only.
 * Undefined when no shopper has enough items to be a case.
 */
export function tuneServing(data: TrainingData, split: ValidationSplit, fitted: FittedModel, dim: number, options: Partial<TrainTuneOptions> = {}): ServingTuning | undefined {
  const o: TrainTuneOptions = { ...DEFAULT_TRAIN_TUNE, ...options };
  validateTuneOptions(o);
  const log = o.logger;
  if (split.cases.length === 0) {
    log.warn('no shopper with 3 items or more: nothing to tune on, the version keeps the serving defaults');
    return undefined;
  }
  const t0 = performance.now();
  const onStep = (s: TuneStep): void => log.debug('tune step', { ...s });
  const train = split.train.map((s) => ids(s.items));
  const all: EvalCase[] = split.cases.map((i) => {
    const full = data.sequences[i] as ShopperSequence;
    const history = train[i] as Int32Array;
    return { history, target: (full.items[full.items.length - 1] as number) + 1, excluded: new Set(history), self: i };
  });
  const sample = sampleCases(all, o.tuneCases, createRng(o.seed));
  const valModel = buildModel({ train, cases: all }, data.itemIds.length, DEFAULT_PARAMS);
  const defaults = ndcg10(evaluateModel(valModel, sample));
  log.info('tuning the serving blend on validation', { shoppers: train.length, cases: sample.length, defaults });
  const comp = tuneComponents(valModel, o.axes, sample, 'ndcg10', onStep);
  log.info('component parameters tuned', { knn: comp.params.knn, transitions: comp.params.transitions, neighbours: comp.params.neighbours });
  const tunedModel = valModel.withParams(comp.params);
  const engine = tuneWeights(tunedModel, PARTS, sample, 'ndcg10', onStep, { step0: comp.steps });
  log.info('blend weights tuned', { weights: engine.params.weights, validation: engine.value });
  const scorer = createLearnedScorer({ vectors: vectorsById(fitted, dim), dim, halfLifeMs: fitted.encoder.halfLifeMs, weights: fitted.encoder.weights });
  const maxCut = Math.max(...o.cuts);
  const tops = sample.map((c) => scorer.top(c.history, c.excluded, maxCut + 1));
  const withLearned = tuneWeights(tunedModel, PARTS, sample, 'ndcg10', onStep, {
    cached: engine.cached,
    initial: engine.params.weights,
    learned: { tops, cuts: o.cuts },
    learnedOnly: true,
    rounds: 2,
    step0: engine.steps,
  });
  const learned = withLearned.learned ?? { weight: 0, cut: o.cuts[0] as number };
  // Measured again on the full scores (the search above ranks over each component's top items).
  const tuned = ndcg10(evaluateBlendWithLearned(valModel.withParams(engine.params), scorer, learned.weight, learned.cut, sample));
  const published = tuned >= defaults ? 'tuned' : 'defaults';
  const metrics: TuningMetrics = {
    objective: 'ndcg10',
    cases: sample.length,
    defaults,
    tuned,
    published,
    learned,
    steps: withLearned.steps,
    seconds: (performance.now() - t0) / 1000,
  };
  log.info('serving blend tuned', { ...metrics });
  if (published === 'tuned') return { sequence: { params: engine.params }, blend: { learned }, metrics };
  // What validation measured for the defaults is the sequence model alone: serve exactly that.
  const off = { weight: 0, cut: learned.cut };
  return { sequence: { params: structuredClone(DEFAULT_PARAMS) }, blend: { learned: off }, metrics: { ...metrics, learned: off } };
}
