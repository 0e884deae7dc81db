import type { Rng } from '../../core/index.ts';
import { createMetricAccumulator, rankBlended } from './metrics.ts';
import type { BlendWeights, ComponentName, ModelParams, SequenceModel } from '../../models/index.ts';
import { addLearned, type LearnedTop } from '../train/learned.ts';
import type { EvalCase } from './protocol.ts';
import { createSparseScores, type SparseScores } from '../../models/index.ts';

/**
 * Validation tuning: component hyper-parameters by coordinate search on each component alone, then
 * blend weights by coordinate ascent over cached, normalised component scores. Only validation cases
 * are ever seen here.
 */
export type Objective = 'ndcg10' | 'ndcg20';

export interface TuneStep {
  step: number;
  label: string;
  value: number;
}

export type StepListener = (s: TuneStep) => void;

/** Small tie-break weight for popularity when a component is judged alone. */
const TIE_BREAK = 1e-6;

export function objectiveOf(ranks: Iterable<number>, objective: Objective): number {
  const acc = createMetricAccumulator();
  for (const r of ranks) acc.add(r);
  const m = acc.sequential();
  return objective === 'ndcg10' ? m.ndcg10 : m.ndcg20;
}

export function sampleCases(cases: readonly EvalCase[], max: number, rng: Rng): EvalCase[] {
  if (cases.length <= max) return [...cases];
  const idx = Array.from(cases.keys());
  for (let i = idx.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [idx[i], idx[j]] = [idx[j] as number, idx[i] as number];
  }
  return idx.slice(0, max).sort((a, b) => a - b).map((i) => cases[i] as EvalCase);
}

function componentObjective(model: SequenceModel, name: ComponentName, cases: readonly EvalCase[], objective: Objective): number {
  const acc = createSparseScores(model.stats.numItems());
  const base = { ...model.base(), weight: TIE_BREAK };
  const ranks: number[] = [];
  for (const c of cases) {
    model.component(name, c.history, acc, c.self);
    const m = acc.max();
    // Normalise so the tie-break stays below every real score difference.
    ranks.push(m > 0 ? rankBlended(base, scaled(acc, 1 / m), c.target, c.excluded) : rankBlended(base, acc, c.target, c.excluded));
  }
  return objectiveOf(ranks, objective);
}

function scaled(acc: SparseScores, f: number): SparseScores {
  return { ...acc, size: acc.size, id: (i) => acc.id(i), get: (item) => acc.get(item) * f };
}

/** A parameter of one component with the values to try. */
export interface ParamAxis {
  component: ComponentName;
  key: string;
  values: readonly number[];
}

/** Coordinate search over component parameters; each component judged alone. Returns new params. */
export function tuneComponents(
  model: SequenceModel,
  axes: readonly ParamAxis[],
  cases: readonly EvalCase[],
  objective: Objective,
  onStep: StepListener,
  step0 = 0,
): { params: ModelParams; steps: number } {
  let params = structuredClone(model.params);
  let steps = step0;
  const best = new Map<ComponentName, number>();
  for (const axis of axes) {
    let bestValue = (params[axis.component] as unknown as Record<string, number>)[axis.key] as number;
    let bestScore = best.get(axis.component) ?? -1;
    for (const v of axis.values) {
      const trial = structuredClone(params);
      (trial[axis.component] as unknown as Record<string, number>)[axis.key] = v;
      const score = componentObjective(model.withParams(trial), axis.component, cases, objective);
      if (score > bestScore) {
        bestScore = score;
        bestValue = v;
      }
      onStep({ step: ++steps, label: `${axis.component}.${axis.key}=${v}`, value: score });
    }
    (params[axis.component] as unknown as Record<string, number>)[axis.key] = bestValue;
    best.set(axis.component, bestScore);
    params = structuredClone(params);
  }
  return { params, steps };
}

/** Top normalised scores of each component for one validation case. */
export interface CachedCase {
  target: number;
  excluded: ReadonlySet<number>;
  parts: { ids: Int32Array; vals: Float32Array }[];
}

/** The `n` largest scores (ties at the cut all kept), divided by the maximum. */
function topOf(acc: SparseScores, n: number): { ids: Int32Array; vals: Float32Array } {
  const values = new Float64Array(acc.size);
  for (let i = 0; i < acc.size; i++) values[i] = acc.get(acc.id(i));
  const sorted = values.slice().sort();
  const cut = sorted.length > n ? (sorted[sorted.length - n] as number) : -Infinity;
  const m = sorted.length > 0 ? (sorted[sorted.length - 1] as number) : 0;
  const ids: number[] = [];
  const vals: number[] = [];
  for (let i = 0; i < acc.size; i++) {
    if ((values[i] as number) < cut) continue;
    ids.push(acc.id(i));
    vals.push(m > 0 ? (values[i] as number) / m : 0);
  }
  return { ids: Int32Array.from(ids), vals: Float32Array.from(vals) };
}

/** Top `topN` normalised scores of each component per case: enough to decide ranks near the top. */
export function cacheComponents(model: SequenceModel, names: readonly ComponentName[], cases: readonly EvalCase[], topN = 300): CachedCase[] {
  const acc = createSparseScores(model.stats.numItems());
  return cases.map((c) => ({
    target: c.target,
    excluded: c.excluded,
    parts: names.map((name) => {
      model.component(name, c.history, acc, c.self);
      return topOf(acc, topN);
    }),
  }));
}

/** The learned component's best items per cached case (same order) and the cuts to try. */
export interface LearnedTuning {
  tops: readonly LearnedTop[];
  cuts: readonly number[];
}

interface Blend {
  weights: number[];
  pop: number;
  learned: number;
  cut: number;
}

function blendObjective(model: SequenceModel, cached: readonly CachedCase[], b: Blend, objective: Objective, learned: LearnedTuning | undefined): number {
  const acc = createSparseScores(model.stats.numItems());
  const base = { ...model.base(), weight: b.pop };
  const add = (item: number, v: number): void => acc.add(item, v);
  const ranks: number[] = [];
  cached.forEach((c, i) => {
    acc.reset();
    c.parts.forEach((p, k) => {
      const w = b.weights[k] as number;
      if (w === 0) return;
      for (let j = 0; j < p.ids.length; j++) acc.add(p.ids[j] as number, w * (p.vals[j] as number));
    });
    if (learned !== undefined && b.learned > 0) addLearned(learned.tops[i] as LearnedTop, b.cut, b.learned, add);
    ranks.push(rankBlended(base, acc, c.target, c.excluded));
  });
  return objectiveOf(ranks, objective);
}

const FACTORS = [0, 0.125, 0.25, 0.5, 0.7, 1.4, 2, 4, 8];

/** One coordinate of the ascent: its name and the blends to try from the current one. */
interface Coordinate {
  label: string;
  trials(b: Blend): Blend[];
}

const around = (current: number): number[] => [...new Set(FACTORS.map((f) => (current === 0 ? f * 0.1 : current * f)))];

/** From zero, the learned weight is searched on a grid on the scale of the other (normalised) components, jointly with the cut. */
const LEARNED_GRID = [0.05, 0.1, 0.2, 0.4, 0.8, 1.6];

function coordinates(names: readonly ComponentName[], learned: LearnedTuning | undefined, learnedOnly: boolean): Coordinate[] {
  const list: Coordinate[] = (learnedOnly ? [] : names).map((n, k) => ({
    label: `blend ${n}`,
    trials: (b) => around(b.weights[k] as number).map((v) => ({ ...b, weights: b.weights.map((w, i) => (i === k ? v : w)) })),
  }));
  if (learned !== undefined) {
    list.push({
      label: 'blend learned',
      trials: (b) => (b.learned === 0 ? learned.cuts.flatMap((cut) => LEARNED_GRID.map((v) => ({ ...b, learned: v, cut }))) : around(b.learned).map((v) => ({ ...b, learned: v }))),
    });
    list.push({ label: 'learned cut', trials: (b) => learned.cuts.map((cut) => ({ ...b, cut })) });
  }
  if (!learnedOnly) list.push({ label: 'blend popularity', trials: (b) => around(b.pop).map((v) => ({ ...b, pop: v })) });
  return list;
}

export interface WeightTuning {
  params: ModelParams;
  value: number;
  steps: number;
  /** With a learned component: its tuned weight (0 when it did not help on validation) and cut. */
  learned?: { weight: number; cut: number };
  cached: CachedCase[];
}

/**
 * Coordinate ascent over the blend weights of `names` plus popularity (and the learned component's
 * weight and cut, when given). Starts from `initial` weights (default: 1 each, popularity 0.01,
 * learned 0), so a learned component only enters when it raises the validation objective. With
 * `learnedOnly`, the other weights stay as given: what changes is then the learned component's doing.
 */
export function tuneWeights(
  model: SequenceModel,
  names: readonly ComponentName[],
  cases: readonly EvalCase[],
  objective: Objective,
  onStep: StepListener,
  {
    rounds = 3,
    topN = 300,
    step0 = 0,
    cached,
    initial,
    learned,
    learnedOnly = false,
  }: { rounds?: number; topN?: number; step0?: number; cached?: CachedCase[]; initial?: BlendWeights; learned?: LearnedTuning; learnedOnly?: boolean } = {},
): WeightTuning {
  const cache = cached ?? cacheComponents(model, names, cases, topN);
  let b: Blend = {
    weights: names.map((n) => (initial === undefined ? 1 : initial[n])),
    pop: initial?.popularity ?? 0.01,
    learned: 0,
    cut: learned?.cuts[Math.floor(learned.cuts.length / 2)] ?? 0,
  };
  let steps = step0;
  let best = blendObjective(model, cache, b, objective, learned);
  onStep({ step: ++steps, label: 'blend start', value: best });
  const coords = coordinates(names, learned, learnedOnly);
  for (let r = 0; r < rounds; r++) {
    for (const c of coords) {
      for (const trial of c.trials(b)) {
        const score = blendObjective(model, cache, trial, objective, learned);
        if (score > best) {
          best = score;
          b = trial;
        }
      }
      onStep({ step: ++steps, label: c.label, value: best });
    }
  }
  const params = structuredClone(model.params);
  params.weights = { popularity: b.pop, knn: 0, transitions: 0, neighbours: 0, repeat: 0 };
  names.forEach((n, k) => (params.weights[n] = b.weights[k] as number));
  return { params, value: best, steps, cached: cache, ...(learned === undefined ? {} : { learned: { weight: b.learned, cut: b.cut } }) };
}
