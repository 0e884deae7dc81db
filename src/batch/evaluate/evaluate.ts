import { createRng, silentLogger, type Logger } from '../../core/index.ts';
import { createMetricAccumulator, rankBlended, type MetricAccumulator } from './metrics.ts';
import { createSequenceModel, DEFAULT_PARAMS, type ComponentName, type ModelParams, type SequenceModel } from '../../models/index.ts';
import { leaveOneOut, sessionHoldout, sessionTest, type EvalCase, type LoadedData, type Split } from './protocol.ts';
import { createSparseScores } from '../../models/index.ts';
import { sampleCases, tuneComponents, tuneWeights, type Objective, type ParamAxis, type TuneStep } from './tune.ts';
import { DEFAULT_LEARNED_EVAL, evaluateLearnedParts, learnedConfigurations, type LearnedContext, type LearnedEvalOptions, type LearnedRow } from './learned.ts';

export interface EvaluationOptions {
  seed?: number;
  logger?: Logger;
  /** Validation cases used for tuning (a seeded sample). */
  tuneCases?: number;
  /** Sessions: fraction of training sessions (the latest) held out for validation. */
  holdout?: number;
  /** Reduced grids (tests and smoke runs). */
  quick?: boolean;
  /** The learned component (line format only); default: every part, no ablation. */
  learned?: Partial<LearnedEvalOptions>;
}

export interface ModelResult {
  params: ModelParams;
  test: MetricAccumulator;
}

export interface EvaluationRun {
  /** The engine: the statistics plus the learned component when it is on and helped on validation. */
  engine: ModelResult;
  /** The statistics alone (the engine without the learned component), when a learned component was evaluated. */
  statistics?: ModelResult;
  /** The learned configurations evaluated (one, or the ablation's prefixes); the last is the engine's. */
  learned?: LearnedRow[];
  baselines: Record<string, ModelResult>;
  curve: TuneStep[];
  /** Best validation objective of the engine and of the tuned baseline blend (and of the statistics alone, when a learned component was evaluated). */
  validation: { engine: number; blend: number; objective: Objective; statistics?: number };
  /** Wall-clock seconds of statistics building and tuning (the machine may be shared). */
  trainSeconds: number;
  /** CPU seconds of this process over the same span. */
  trainCpuSeconds: number;
  evalSeconds: number;
  testCases: number;
}

export function buildModel(split: Split, numItems: number, params: ModelParams): SequenceModel {
  const model = createSequenceModel({ numItems, params });
  for (const s of split.train) model.observe(s);
  return model;
}

export function evaluateModel(model: SequenceModel, cases: readonly EvalCase[]): MetricAccumulator {
  const acc = createSparseScores(model.stats.numItems());
  const metrics = createMetricAccumulator();
  const base = model.base();
  for (const c of cases) {
    model.blend(c.history, acc, c.self);
    metrics.add(rankBlended(base, acc, c.target, c.excluded));
  }
  return metrics;
}

function axes(format: LoadedData['format'], quick: boolean): ParamAxis[] {
  const list: ParamAxis[] = [
    { component: 'knn', key: 'decay', values: [0.3, 0.6, 0.8, 1] },
    { component: 'transitions', key: 'orderDecay', values: [0, 0.2, 0.5] },
    { component: 'transitions', key: 'skipDecay', values: [0, 0.2, 0.5] },
    { component: 'neighbours', key: 'positionScale', values: [1, 2, 4, 8] },
    { component: 'neighbours', key: 'neighbourScale', values: [1, 2, 4] },
    { component: 'neighbours', key: 'before', values: [0, 0.3, 1] },
    { component: 'neighbours', key: 'k', values: [50, 100, 200, 400] },
  ];
  if (format === 'sessions') {
    list.push({ component: 'neighbours', key: 'recencyScale', values: [Infinity, 100_000, 20_000, 5_000] });
    list.push({ component: 'repeat', key: 'decay', values: [0.3, 0.6, 0.9] });
  }
  return quick ? list.map((a) => ({ ...a, values: a.values.slice(0, 2) })) : list;
}

const FIRST_ORDER = { orderDecay: 0, skipDecay: 0, maxGap: 1 };

function withWeights(p: ModelParams, w: Partial<ModelParams['weights']>): ModelParams {
  return { ...p, weights: { popularity: 0, knn: 0, transitions: 0, neighbours: 0, repeat: 0, ...w } };
}

/** Tunes on validation, then evaluates the engine and every baseline once on the test split. */
export async function evaluateData(
  data: LoadedData,
  { seed = 1, logger = silentLogger, tuneCases = 8000, holdout = 0.1, quick = false, learned = {} }: EvaluationOptions = {},
): Promise<EvaluationRun> {
  const rng = createRng(seed);
  const objective: Objective = data.format === 'lines' ? 'ndcg10' : 'ndcg20';
  const curve: TuneStep[] = [];
  const onStep = (s: TuneStep): void => {
    curve.push(s);
    logger.debug('tune step', { ...s });
  };
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const valSplit = data.format === 'lines' ? leaveOneOut(data.sequences, 'validation') : sessionHoldout(data.sequences, holdout);
  const valModel = buildModel(valSplit, data.numItems, DEFAULT_PARAMS);
  const sample = sampleCases(valSplit.cases, tuneCases, rng);
  logger.info('validation statistics built', { sequences: valSplit.train.length, tuneCases: sample.length });
  const comp = tuneComponents(valModel, axes(data.format, quick), sample, objective, onStep);
  logger.info('component parameters tuned', { knn: comp.params.knn, transitions: comp.params.transitions, neighbours: comp.params.neighbours });
  // History items are excluded from the sequential ranking, so repeats only matter for sessions.
  const parts: ComponentName[] = data.format === 'sessions' ? ['knn', 'transitions', 'neighbours', 'repeat'] : ['knn', 'transitions', 'neighbours'];
  const engine = tuneWeights(valModel.withParams(comp.params), parts, sample, objective, onStep, { step0: comp.steps });
  const blendBase = { ...comp.params, transitions: FIRST_ORDER };
  const blend = tuneWeights(valModel.withParams(blendBase), ['knn', 'transitions'], sample, objective, () => undefined);
  logger.info('blend weights tuned', { engine: engine.params.weights, engineValidation: engine.value, blend: blend.params.weights, blendValidation: blend.value });
  const testSplit = data.format === 'lines' ? leaveOneOut(data.sequences, 'test') : sessionTest(data);
  const testModel = buildModel(testSplit, data.numItems, engine.params);
  const trainSeconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  const trainCpuSeconds = (cpu.user + cpu.system) / 1e6;
  const t1 = performance.now();
  const run = (p: ModelParams): ModelResult => ({ params: p, test: evaluateModel(testModel.withParams(p), testSplit.cases) });
  const statistics = run(engine.params);
  const result: EvaluationRun = {
    engine: statistics,
    baselines: {
      popularity: run(withWeights(comp.params, { popularity: 1 })),
      itemknn: run(withWeights(comp.params, { knn: 1 })),
      transitions: run(withWeights(blendBase, { transitions: 1 })),
      'itemknn+transitions': run(blend.params),
    },
    curve,
    validation: { engine: engine.value, blend: blend.value, objective },
    trainSeconds,
    trainCpuSeconds,
    evalSeconds: (performance.now() - t1) / 1000,
    testCases: testSplit.cases.length,
  };
  logger.info('test evaluated', { cases: result.testCases, seconds: result.evalSeconds });
  if (data.format !== 'lines') return result;
  const ctx = { numItems: data.numItems, valSplit, testSplit, sample, valModel: valModel.withParams(comp.params), testModel, names: parts, engine, statisticsTest: statistics.test, objective, seed, logger, onStep };
  return withLearned(result, ctx, { ...DEFAULT_LEARNED_EVAL, ...learned });
}

/** Adds the learned configurations to a run; the engine becomes the last of them (the statistics alone when its weight is 0). */
async function withLearned(result: EvaluationRun, ctx: LearnedContext, o: LearnedEvalOptions): Promise<EvaluationRun> {
  const configs = learnedConfigurations(o);
  if (configs.length === 0) return result;
  const rows: LearnedRow[] = [];
  for (const c of configs) rows.push(await evaluateLearnedParts(ctx, c, o));
  const last = rows[rows.length - 1] as LearnedRow;
  return {
    ...result,
    statistics: result.engine,
    learned: rows,
    engine: { params: result.engine.params, test: last.test },
    validation: { ...result.validation, engine: last.validation, statistics: ctx.engine.value },
  };
}
