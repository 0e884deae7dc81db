import { silentLogger, type Logger } from '../../core/index.ts';
import { createSparseScores, type ComponentName, type SequenceModel } from '../../models/index.ts';
import { parseAugment, type AugmentOptions } from '../../models/index.ts';
import { addLearned, LEARNED_PARTS, partOptions, trainLearned, type LearnedPart, type LearnedScorer, type LearnedTraining } from '../train/learned.ts';
import { createMetricAccumulator, rankBlended, type MetricAccumulator } from './metrics.ts';
import type { EvalCase, Split } from './protocol.ts';
import { LINE_STEP_MS } from '../../models/index.ts';
import type { TrainHooks, TrainOptions } from '../train/options.ts';
import type { Objective, StepListener, WeightTuning } from './tune.ts';
import { tuneWeights } from './tune.ts';

/**
 * The learned component in the offline evaluation. For the validation phase it is trained on the
 * validation split's training part (each user's items but the last two), its weight and cut tuned
 * on the validation sample with the statistics' weights held as tuned without it; for the test
 * phase it is trained again on the test split's training part (every item but the last), as the
 * statistics are rebuilt, and evaluated once. The test item is never seen by either run.
 */
export interface LearnedEvalOptions {
  /** Parts of the training pipeline; empty: no learned component. */
  parts: readonly LearnedPart[];
  /** Training options (dimension, epochs, encoder fit, …) shared by every part. */
  train: Partial<TrainOptions>;
  /** Augmentation used when the `augment` part is on. */
  augment: AugmentOptions;
  /** FGSM radius used when the `adversarial` part is on. */
  adversarial: number;
  /** Cuts K the blend tries for the learned component. */
  cuts: readonly number[];
  /** Also evaluate each prefix of `parts` (pretrain; + fine-tune; …): the ablation rows. */
  ablation: boolean;
  hooks?: TrainHooks;
}

export const DEFAULT_LEARNED_EVAL: Readonly<LearnedEvalOptions> = Object.freeze<LearnedEvalOptions>({
  parts: LEARNED_PARTS,
  // The line format has one event type, so the encoder fit learns the half-life (in steps) alone; it starts at two steps.
  train: { encoderFit: 'tfjs', halfLifeMs: 2 * LINE_STEP_MS },
  augment: parseAugment('crop,mask,reorder'),
  adversarial: 0.1,
  cuts: [25, 50, 100, 200, 400, 800],
  ablation: false,
});

export interface TrainingCost {
  seconds: number;
  cpuSeconds: number;
}

export interface LearnedRow {
  parts: LearnedPart[];
  /** Tuned on validation; 0 when the component did not raise the validation objective. */
  weight: number;
  cut: number;
  /** Validation objective with the component (equal to the statistics' when weight is 0). */
  validation: number;
  /** The engine with this component on the test cases (the statistics alone when weight is 0). */
  test: MetricAccumulator;
  /** The half-life the user encoder ended with (ms; one step = LINE_STEP_MS). */
  halfLifeMs: number;
  backend?: string;
  /** The validation run, and the test run (absent when the weight is 0: nothing to test). */
  training: { validation: TrainingCost; test?: TrainingCost };
}

export interface LearnedContext {
  numItems: number;
  valSplit: Split;
  testSplit: Split;
  /** The validation sample the statistics were tuned on. */
  sample: readonly EvalCase[];
  /** The validation model (component parameters tuned) and the test model. */
  valModel: SequenceModel;
  testModel: SequenceModel;
  names: readonly ComponentName[];
  /** The statistics-only engine as tuned (its weights and cached component scores). */
  engine: WeightTuning;
  /** The statistics-only engine on the test cases. */
  statisticsTest: MetricAccumulator;
  objective: Objective;
  seed: number;
  logger?: Logger;
  onStep?: StepListener;
}

const cost = (t: LearnedTraining): TrainingCost => ({ seconds: t.seconds, cpuSeconds: t.cpuSeconds });

/** One configuration of parts: train on validation, tune, and (when it helps) train on test and evaluate. */
export async function evaluateLearnedParts(ctx: LearnedContext, parts: readonly LearnedPart[], o: LearnedEvalOptions): Promise<LearnedRow> {
  const log = ctx.logger ?? silentLogger;
  const options = partOptions(parts, { ...o.train, seed: ctx.seed }, { augment: o.augment, adversarial: o.adversarial });
  const val = await trainLearned(ctx.valSplit.train, ctx.numItems, options, o.hooks);
  log.info('learned component trained on the validation split', { parts: parts.join('+'), seconds: val.seconds, cpuSeconds: val.cpuSeconds, halfLifeMs: val.fitted.encoder.halfLifeMs });
  const maxCut = Math.max(...o.cuts);
  const tops = ctx.sample.map((c) => val.scorer.top(c.history, c.excluded, maxCut + 1));
  const tuned = tuneWeights(ctx.valModel, ctx.names, ctx.sample, ctx.objective, ctx.onStep ?? (() => undefined), {
    cached: ctx.engine.cached,
    initial: ctx.engine.params.weights,
    learned: { tops, cuts: o.cuts },
    learnedOnly: true,
    rounds: 2,
  });
  const { weight, cut } = tuned.learned ?? { weight: 0, cut: 0 };
  log.info('learned component tuned on validation', { parts: parts.join('+'), weight, cut, validation: tuned.value, statistics: ctx.engine.value });
  const row: LearnedRow = {
    parts: [...parts],
    weight,
    cut,
    validation: tuned.value,
    test: ctx.statisticsTest,
    halfLifeMs: val.fitted.encoder.halfLifeMs,
    ...(val.backend === undefined ? {} : { backend: val.backend }),
    training: { validation: cost(val) },
  };
  if (weight === 0) return row;
  const test = await trainLearned(ctx.testSplit.train, ctx.numItems, options, o.hooks);
  row.training.test = cost(test);
  row.test = evaluateBlendWithLearned(ctx.testModel.withParams(ctx.engine.params), test.scorer, weight, cut, ctx.testSplit.cases);
  log.info('learned component evaluated on test', { parts: parts.join('+'), seconds: test.seconds, cpuSeconds: test.cpuSeconds });
  return row;
}

/** The statistics' blend plus `weight` times the learned component at `cut`, ranked for every case. */
export function evaluateBlendWithLearned(model: SequenceModel, scorer: LearnedScorer, weight: number, cut: number, cases: readonly EvalCase[]): MetricAccumulator {
  const acc = createSparseScores(model.stats.numItems());
  const add = (item: number, v: number): void => acc.add(item, v);
  const metrics = createMetricAccumulator();
  const base = model.base();
  for (const c of cases) {
    model.blend(c.history, acc, c.self);
    addLearned(scorer.top(c.history, c.excluded, cut + 1), cut, weight, add);
    metrics.add(rankBlended(base, acc, c.target, c.excluded));
  }
  return metrics;
}

/** The configurations to evaluate: the parts alone, or each prefix of them (the ablation). */
export function learnedConfigurations(o: LearnedEvalOptions): LearnedPart[][] {
  if (o.parts.length === 0) return [];
  if (!o.ablation) return [[...o.parts]];
  return o.parts.map((_, i) => o.parts.slice(0, i + 1));
}
