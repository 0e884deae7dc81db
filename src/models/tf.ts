import type * as Tf from '@tensorflow/tfjs';
import { createRng, silentLogger, type Logger, type Rng } from '../core/index.ts';
import type { InteractionType, ShopperSequence } from './data.ts';

export type TfModule = typeof Tf;

/**
 * @tensorflow/tfjs on the best backend this machine has: tfjs-node-gpu, then tfjs-node (when a user
 * has installed them), else WebAssembly, else plain JavaScript. Returns the backend it chose.
 */
export async function loadTf(logger: Logger = silentLogger): Promise<{ tf: TfModule; backend: string }> {
  const tf = await import('@tensorflow/tfjs');
  // Optional packages, absent from package.json: imported by a name the bundler does not follow.
  for (const [pkg, label] of [['@tensorflow/tfjs-node-gpu', 'tfjs-node-gpu'], ['@tensorflow/tfjs-node', 'tfjs-node']] as const) {
    try {
      await import(/* @vite-ignore */ pkg as string);
      if (await tf.setBackend('tensorflow')) return { tf, backend: label };
    } catch (e) {
      logger.debug('tfjs backend unavailable', { pkg, err: e });
    }
  }
  try {
    await import('@tensorflow/tfjs-backend-wasm');
    if (await tf.setBackend('wasm')) return { tf, backend: 'wasm' };
  } catch (e) {
    logger.debug('tfjs wasm backend unavailable', { err: e });
  }
  await tf.setBackend('cpu');
  return { tf, backend: 'cpu' };
}

const TYPES: readonly InteractionType[] = ['view', 'click', 'add_to_cart', 'purchase'];
const HOUR = 3_600_000;

export interface EncoderFit {
  halfLifeMs: number;
  weights: Record<InteractionType, number>;
  /** Mean next-item cross-entropy before and after. */
  lossBefore: number;
  loss: number;
}

export interface EncoderFitOptions {
  steps: number;
  batch: number;
  /** History steps the encoder sees per case (older ones have decayed away). */
  maxHistory: number;
  maxCases: number;
  lr: number;
  seed: number;
  halfLifeMs: number;
  weights: Record<InteractionType, number>;
  /**
   * Items in each step's softmax: the batch's targets plus this many drawn uniformly (sampled
   * softmax: a step costs this instead of the catalog size). 0: every item.
   */
  sampled: number;
}

/** The candidates of a sampled-softmax step: the targets of `rows` first, then uniform draws; each row's label indexes its target. */
function sampledSoftmax(rows: Int32Array, targets: Int32Array, n: number, extra: number, rng: Rng): { cands: Int32Array; labels: Int32Array } {
  const index = new Map<number, number>();
  const cands: number[] = [];
  const labels = Int32Array.from(rows, (r) => {
    const t = targets[r] as number;
    let i = index.get(t);
    if (i === undefined) {
      i = cands.length;
      index.set(t, i);
      cands.push(t);
    }
    return i;
  });
  for (let k = 0; k < extra; k++) {
    const x = rng.int(n);
    if (!index.has(x)) {
      index.set(x, cands.length);
      cands.push(x);
    }
  }
  return { cands: Int32Array.from(cands), labels };
}

interface Cases {
  items: Int32Array;
  types: Int32Array;
  ageHours: Float32Array;
  mask: Float32Array;
  targets: Int32Array;
  count: number;
}

/** Every next-item case of the sequences (up to `maxCases`), histories padded to `maxHistory`. */
function buildCases(seqs: readonly ShopperSequence[], o: EncoderFitOptions): Cases {
  const L = o.maxHistory;
  const picked: [ShopperSequence, number][] = [];
  for (const s of seqs) for (let k = 1; k < s.items.length && picked.length < o.maxCases; k++) picked.push([s, k]);
  const c: Cases = {
    items: new Int32Array(picked.length * L),
    types: new Int32Array(picked.length * L),
    ageHours: new Float32Array(picked.length * L),
    mask: new Float32Array(picked.length * L),
    targets: new Int32Array(picked.length),
    count: picked.length,
  };
  picked.forEach(([s, k], r) => {
    c.targets[r] = s.items[k] as number;
    const lastTs = s.ts[k - 1] as number;
    for (let j = 0, i = k - 1; i >= 0 && j < L; i--, j++) {
      c.items[r * L + j] = s.items[i] as number;
      c.types[r * L + j] = TYPES.indexOf(s.types[i] as InteractionType);
      c.ageHours[r * L + j] = (lastTs - (s.ts[i] as number)) / HOUR;
      c.mask[r * L + j] = 1;
    }
  });
  return c;
}

/** The encoder's trained parameters, in log space. */
interface DecayMixVars {
  logH: Tf.Variable;
  logTypeW: Tf.Variable;
  logTau: Tf.Variable;
}

type LossOf = (rows: Int32Array, sample?: { cands: Int32Array; labels: Int32Array }) => Tf.Scalar;

/** Mean cross-entropy of `rows`, over every item of `V` or (sampled softmax) over `cands` with labels `labels`. */
function decayMixLoss(tf: TfModule, cases: Cases, V: Tf.Tensor2D, vars: DecayMixVars, L: number, dim: number): LossOf {
  const n = V.shape[0];
  const { logH, logTypeW, logTau } = vars;
  return (rows, sample) =>
    tf.tidy(() => {
      const take = <T extends Int32Array | Float32Array>(a: T): T => {
        const out = (a instanceof Int32Array ? new Int32Array(rows.length * L) : new Float32Array(rows.length * L)) as T;
        rows.forEach((r, b) => out.set(a.subarray(r * L, (r + 1) * L), b * L));
        return out;
      };
      const items = tf.tensor2d(take(cases.items), [rows.length, L], 'int32');
      const types = tf.tensor2d(take(cases.types), [rows.length, L], 'int32');
      const age = tf.tensor2d(take(cases.ageHours), [rows.length, L]);
      const mask = tf.tensor2d(take(cases.mask), [rows.length, L]);
      const decay = tf.exp(tf.mul(-Math.LN2, tf.div(age, tf.exp(logH))));
      // One-hot times weights instead of a gather: the gather's gradient kernel is missing on wasm.
      const typeWeight = tf.sum(tf.mul(tf.oneHot(types, TYPES.length), tf.exp(logTypeW)), 2);
      const coef = tf.mul(tf.mul(typeWeight, decay), mask);
      const hist = tf.gather(V, items.reshape([-1])).reshape([rows.length, L, dim]);
      const u = tf.sum(tf.mul(coef.expandDims(2), hist), 1);
      const unit = tf.div(u, tf.add(tf.norm(u, 'euclidean', 1, true), 1e-6));
      const C = sample === undefined ? V : tf.gather(V, tf.tensor1d(sample.cands, 'int32'));
      const logits = tf.mul(tf.matMul(unit, C, false, true), tf.exp(logTau));
      const labels = sample?.labels ?? Int32Array.from(rows, (r) => cases.targets[r] as number);
      const targets = tf.oneHot(tf.tensor1d(labels, 'int32'), sample === undefined ? n : sample.cands.length);
      return tf.losses.softmaxCrossEntropy(targets, logits) as Tf.Scalar;
    });
}

/** `o.steps` Adam steps on random batches of the cases (rows drawn first, then the sampled softmax's extras), yielding to the event loop between steps. */
async function trainDecayMix(
  tf: TfModule,
  lossOf: LossOf,
  vars: DecayMixVars,
  cases: Cases,
  n: number,
  o: EncoderFitOptions,
  onStep?: (step: number, loss: number) => void,
): Promise<void> {
  const rng = createRng(o.seed);
  const optimizer = tf.train.adam(o.lr);
  for (let step = 1; step <= o.steps; step++) {
    const rows = Int32Array.from({ length: Math.min(o.batch, cases.count) }, () => rng.int(cases.count));
    const sample = o.sampled > 0 && o.sampled < n ? sampledSoftmax(rows, cases.targets, n, o.sampled, rng) : undefined;
    const l = optimizer.minimize(() => lossOf(rows, sample), true, [vars.logH, vars.logTypeW, vars.logTau]);
    if (l !== null) {
      if (onStep !== undefined && (step % 25 === 0 || step === o.steps)) onStep(step, (await l.data())[0] as number);
      l.dispose();
    }
    // Other work in the process (a server) gets the event loop between steps.
    await new Promise((r) => setImmediate(r));
  }
  optimizer.dispose();
}

/**
 * The learned type weights `w` back on the defaults' scale. The user vector is normalised, so only
 * the weights' ratios matter: the types in the data are scaled to the defaults' mean; types absent
 * from it had no say and keep their defaults.
 */
function rescaleWeights(w: readonly number[], cases: Cases, defaults: Record<InteractionType, number>): Record<InteractionType, number> {
  const present = TYPES.map((_, i) => cases.types.some((x, j) => x === i && cases.mask[j] === 1));
  let mean = 0;
  let defaultMean = 0;
  TYPES.forEach((t, i) => {
    if (!present[i]) return;
    mean += w[i] as number;
    defaultMean += defaults[t];
  });
  const weights = {} as Record<InteractionType, number>;
  TYPES.forEach((t, i) => (weights[t] = present[i] && mean > 0 ? ((w[i] as number) * defaultMean) / mean : defaults[t]));
  return weights;
}

/**
 * Fits the user encoder that serving applies per event (a time-decayed, type-weighted mix of item
 * vectors) by next-item prediction: its half-life and per-type weights are learned with full softmax
 * over the catalog, item vectors fixed. Serving stays as cheap as before; only the parameters change.
 */
export async function fitDecayMixEncoder(
  tf: TfModule,
  seqs: readonly ShopperSequence[],
  vectors: Float32Array,
  dim: number,
  o: EncoderFitOptions,
  onStep?: (step: number, loss: number) => void,
): Promise<EncoderFit> {
  const n = vectors.length / dim;
  const cases = buildCases(seqs, o);
  if (cases.count === 0) return { halfLifeMs: o.halfLifeMs, weights: { ...o.weights }, lossBefore: 0, loss: 0 };
  const V = tf.tensor2d(vectors, [n, dim]);
  const vars: DecayMixVars = {
    logH: tf.variable(tf.scalar(Math.log(o.halfLifeMs / HOUR))),
    // Weights live in log space: a negative weight would flip the shopper's vector away from what they chose.
    logTypeW: tf.variable(tf.tensor1d(TYPES.map((t) => Math.log(Math.max(o.weights[t], 1e-3))))),
    logTau: tf.variable(tf.scalar(Math.log(10))),
  };
  const lossOf = decayMixLoss(tf, cases, V, vars, o.maxHistory, dim);
  const all = Int32Array.from({ length: Math.min(cases.count, 1024) }, (_, i) => i);
  const evalLoss = async (): Promise<number> => {
    const l = lossOf(all);
    const v = (await l.data())[0] as number;
    l.dispose();
    return v;
  };
  try {
    const lossBefore = await evalLoss();
    await trainDecayMix(tf, lossOf, vars, cases, n, o, onStep);
    const loss = await evalLoss();
    const weights = rescaleWeights(Array.from(await vars.logTypeW.data(), Math.exp), cases, o.weights);
    const halfLifeMs = Math.exp((await vars.logH.data())[0] as number) * HOUR;
    return { halfLifeMs, weights, lossBefore, loss };
  } finally {
    V.dispose();
    vars.logH.dispose();
    vars.logTypeW.dispose();
    vars.logTau.dispose();
  }
}
