import { createItemMarks, scoreItemKnn, scoreRepeat, scoreTransitions, type ItemKnnParams, type RepeatParams, type TransitionParams } from './components.ts';
import { createNeighbourScratch, scoreNeighbours, type NeighbourParams } from './neighbours.ts';
import { addScaled, createSparseScores, scalable, scaleAll, type SparseScores } from './sparse.ts';
import { createSequenceStats, type SequenceStats } from './stats.ts';

export const COMPONENTS = ['knn', 'transitions', 'neighbours', 'repeat'] as const;
export type ComponentName = (typeof COMPONENTS)[number];

export interface BlendWeights {
  popularity: number;
  knn: number;
  transitions: number;
  neighbours: number;
  repeat: number;
}

export interface ModelParams {
  weights: BlendWeights;
  knn: ItemKnnParams;
  transitions: TransitionParams;
  neighbours: NeighbourParams;
  repeat: RepeatParams;
}

export const DEFAULT_PARAMS: ModelParams = {
  weights: { popularity: 0.001, knn: 1, transitions: 1, neighbours: 1, repeat: 0 },
  knn: { decay: 0.7 },
  transitions: { orderDecay: 0.3, skipDecay: 0.3, maxGap: 3 },
  neighbours: { k: 100, sample: 500, positionScale: 2, recencyScale: Infinity, neighbourScale: 2, before: 0.5, idf: 0, simPower: 1 },
  repeat: { decay: 0.5 },
};

/** Popularity normalised to [0, 1] plus its sorted copy (for exact ranking of the untouched items). */
export interface BaseScores {
  weight: number;
  values: Float64Array;
  /** values[1..n], ascending. */
  sorted: Float64Array;
}

/**
 * The streaming model: statistics updated per sequence, and a blend of normalised component scores
 * (each divided by its maximum for the history) plus a dense popularity term.
 */
export interface SequenceModel {
  readonly stats: SequenceStats;
  readonly params: ModelParams;
  observe(sequence: ArrayLike<number>): number;
  /** Raw (unnormalised) sparse scores of one component; the accumulator is reset first. */
  component(name: ComponentName, history: ArrayLike<number>, acc: SparseScores, skip?: number): void;
  /** Blended sparse part (without popularity) into `acc`, reset first. */
  blend(history: ArrayLike<number>, acc: SparseScores, skip?: number): void;
  base(): BaseScores;
  /** Dense scores over every item (index = item id, index 0 unused). `skip` ignores one stored sequence. */
  score(history: ArrayLike<number>, out?: Float32Array, skip?: number): Float32Array;
  /** A model over the same statistics with other parameters. */
  withParams(params: ModelParams): SequenceModel;
}

export interface SequenceModelOptions {
  numItems?: number;
  params?: ModelParams;
  stats?: SequenceStats;
}

export function validateParams(p: ModelParams): void {
  for (const [k, v] of Object.entries(p.weights)) {
    if (!(v >= 0)) throw new RangeError(`blend weight ${k} must be >= 0, got ${v}`);
  }
  if (!(p.neighbours.k >= 1 && p.neighbours.sample >= 1)) throw new RangeError('neighbours.k and neighbours.sample must be >= 1');
  if (!(p.transitions.maxGap >= 1)) throw new RangeError('transitions.maxGap must be >= 1');
}

export function createSequenceModel({ numItems = 1024, params = DEFAULT_PARAMS, stats }: SequenceModelOptions = {}): SequenceModel {
  validateParams(params);
  const st = stats ?? createSequenceStats({ numItems, maxGap: Math.max(3, params.transitions.maxGap) });
  const scratch = createNeighbourScratch();
  const seen = createItemMarks();
  const part = createSparseScores(st.numItems());
  // score()'s accumulator, reused (it resets in O(1)).
  const dense = createSparseScores(st.numItems());
  let base: BaseScores | undefined;
  let baseVersion = -1;

  const component = (name: ComponentName, history: ArrayLike<number>, acc: SparseScores, skip = -1): void => {
    acc.reset();
    if (name === 'knn') scoreItemKnn(st, history, acc, params.knn, seen);
    else if (name === 'transitions') scoreTransitions(st, history, acc, params.transitions);
    else if (name === 'neighbours') scoreNeighbours(st, history, acc, params.neighbours, scratch, skip);
    else scoreRepeat(history, acc, params.repeat);
  };

  const model: SequenceModel = {
    stats: st,
    params,
    observe: (sequence) => st.observe(sequence),
    component,
    blend(history, acc, skip = -1) {
      acc.reset();
      const direct = scalable(acc);
      let empty = true;
      for (const name of COMPONENTS) {
        const w = params.weights[name];
        if (w === 0) continue;
        // The first component that counts is scored into `acc` itself and scaled there: the same
        // values as adding it scaled into the empty `acc`, with one pass over its entries fewer.
        const into = empty && direct ? acc : part;
        component(name, history, into, skip);
        const m = into.max();
        if (m <= 0) {
          if (into === acc) acc.reset();
          continue;
        }
        if (into === acc) scaleAll(acc, w, m);
        else addScaled(acc, part, w, m);
        empty = false;
      }
    },
    base() {
      if (base === undefined || baseVersion !== st.sequenceCount()) {
        const occ = st.occurrences();
        const n = st.numItems();
        let m = 0;
        for (let i = 1; i <= n; i++) m = Math.max(m, occ[i] as number);
        const values = new Float64Array(n + 1);
        for (let i = 1; i <= n; i++) values[i] = m > 0 ? (occ[i] as number) / m : 0;
        const sorted = values.slice(1).sort();
        base = { weight: params.weights.popularity, values, sorted };
        baseVersion = st.sequenceCount();
      }
      return base;
    },
    score(history, out, skip = -1) {
      const b = model.base();
      const n = st.numItems();
      const res = out !== undefined && out.length === n + 1 ? out : new Float32Array(n + 1);
      for (let i = 1; i <= n; i++) res[i] = b.weight * (b.values[i] as number);
      res[0] = 0;
      const acc = dense;
      model.blend(history, acc, skip);
      for (let i = 0; i < acc.size; i++) {
        const id = acc.id(i);
        res[id] = (res[id] as number) + acc.get(id);
      }
      return res;
    },
    withParams: (p) => createSequenceModel({ params: p, stats: st }),
  };
  return model;
}
