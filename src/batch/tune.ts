import type { Rng } from '../core/index.ts';
import { createMetricAccumulator, rankBlended } from './metrics.ts';
import type { ComponentName, ModelParams, SequenceModel } from '../sequence/index.ts';
import type { EvalCase } from './protocol.ts';
import { createSparseScores, type SparseScores } from '../sequence/index.ts';

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

interface Cached {
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
function cacheComponents(model: SequenceModel, names: readonly ComponentName[], cases: readonly EvalCase[], topN: number): Cached[] {
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

function blendObjective(model: SequenceModel, cached: readonly Cached[], weights: number[], pop: number, objective: Objective): number {
  const acc = createSparseScores(model.stats.numItems());
  const base = { ...model.base(), weight: pop };
  const ranks: number[] = [];
  for (const c of cached) {
    acc.reset();
    c.parts.forEach((p, k) => {
      const w = weights[k] as number;
      if (w === 0) return;
      for (let i = 0; i < p.ids.length; i++) acc.add(p.ids[i] as number, w * (p.vals[i] as number));
    });
    ranks.push(rankBlended(base, acc, c.target, c.excluded));
  }
  return objectiveOf(ranks, objective);
}

const FACTORS = [0, 0.125, 0.25, 0.5, 0.7, 1.4, 2, 4, 8];

/** Coordinate ascent over the blend weights of `names` plus popularity. Returns the tuned params. */
export function tuneWeights(
  model: SequenceModel,
  names: readonly ComponentName[],
  cases: readonly EvalCase[],
  objective: Objective,
  onStep: StepListener,
  { rounds = 3, topN = 300, step0 = 0 } = {},
): { params: ModelParams; value: number; steps: number } {
  const cached = cacheComponents(model, names, cases, topN);
  const w = names.map(() => 1);
  let pop = 0.01;
  let steps = step0;
  let best = blendObjective(model, cached, w, pop, objective);
  onStep({ step: ++steps, label: 'blend start', value: best });
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k <= names.length; k++) {
      const current = k < names.length ? (w[k] as number) : pop;
      const tried = new Set(FACTORS.map((f) => (current === 0 ? f * 0.1 : current * f)));
      for (const v of tried) {
        const trialW = [...w];
        let trialPop = pop;
        if (k < names.length) trialW[k] = v;
        else trialPop = v;
        const score = blendObjective(model, cached, trialW, trialPop, objective);
        if (score > best) {
          best = score;
          if (k < names.length) w[k] = v;
          else pop = v;
        }
      }
      onStep({ step: ++steps, label: `blend ${k < names.length ? names[k] : 'popularity'}`, value: best });
    }
  }
  const params = structuredClone(model.params);
  params.weights = { popularity: pop, knn: 0, transitions: 0, neighbours: 0, repeat: 0 };
  names.forEach((n, k) => (params.weights[n] = w[k] as number));
  return { params, value: best, steps };
}
