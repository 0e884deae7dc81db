import { badRequest, createRng, type Rng } from '../../core/index.ts';
import { augmentItems, MASKED, validateAugment, type AugmentOptions } from './augment.ts';

/**
 * item2vec: skip-gram with negative sampling over shoppers' item sequences, in plain TypeScript on
 * Float32Arrays. Each step touches only the rows of the centre item, its context item and the sampled
 * negatives, so an epoch costs O(pairs × (1 + negatives) × dim) whatever the catalog size.
 */
export interface Item2VecOptions {
  dim: number;
  /** Items on each side of the centre that count as its context. */
  window: number;
  negatives: number;
  epochs: number;
  /** Learning rate, decayed linearly to `minLr` over the run. */
  lr: number;
  minLr: number;
  seed: number;
  /** Extra augmented views of every sequence in every epoch (none when undefined). */
  augment?: AugmentOptions | undefined;
  /**
   * FGSM radius: each centre vector is also trained at w + eps·∇w/|∇w| (the direction that raises
   * its loss most), weighted by `adversarialWeight`, as in adversarial personalized ranking. 0: off.
   */
  adversarial: number;
  adversarialWeight: number;
}

export const DEFAULT_ITEM2VEC: Readonly<Item2VecOptions> = Object.freeze({
  dim: 64,
  window: 3,
  negatives: 5,
  epochs: 5,
  lr: 0.025,
  minLr: 0.0001,
  seed: 1,
  adversarial: 0,
  adversarialWeight: 1,
});

export interface EpochProgress {
  epoch: number;
  epochs: number;
  /** Mean negative log-likelihood per positive pair in this epoch. */
  loss: number;
  ms: number;
  etaMs: number;
}

/**
 * Times a training loop: `due()` says when about 20 ms of work ran since the last yield (a server in
 * the same process then gets the event loop: `await tick()`), `epoch()` reports an epoch with its ETA.
 */
export function createEpochClock(epochs: number, onEpoch?: (p: EpochProgress) => void) {
  const t0 = performance.now();
  let te = t0;
  let chunk = t0;
  return {
    begin(): void {
      te = performance.now();
      chunk = te;
    },
    due: (): boolean => performance.now() - chunk > 20,
    async tick(): Promise<void> {
      await new Promise((r) => setImmediate(r));
      chunk = performance.now();
    },
    epoch(epoch: number, loss: number): void {
      const now = performance.now();
      onEpoch?.({ epoch, epochs, loss, ms: now - te, etaMs: ((now - t0) / epoch) * (epochs - epoch) });
    },
  };
}

export interface Item2VecResult {
  /** Input vectors, `numItems × dim`, row-major; rows of items never seen stay at their random start. */
  vectors: Float32Array;
  /** Context (output) vectors: with `vectors`, the start of a fine-tuning run. */
  context: Float32Array;
  loss: number;
}

export const NEGATIVE_TABLE_SIZE = 1 << 20;
const TABLE = NEGATIVE_TABLE_SIZE;

/** Negative-sampling table over counts^power (0.75: the word2vec choice, frequent items less dominant). */
export function negativeTable(sequences: readonly ArrayLike<number>[], numItems: number, power = 0.75): Int32Array {
  const counts = new Float64Array(numItems);
  for (const s of sequences) {
    for (let i = 0; i < s.length; i++) {
      const x = s[i] as number;
      if (x >= 0) counts[x] = (counts[x] as number) + 1;
    }
  }
  // Items never seen get no mass, whatever the power (0^0 would be 1).
  const mass = (x: number): number => (x > 0 ? Math.pow(x, power) : 0);
  let total = 0;
  for (let i = 0; i < numItems; i++) total += mass(counts[i] as number);
  const table = new Int32Array(TABLE);
  let i = 0;
  let cum = numItems > 0 ? mass(counts[0] as number) / total : 1;
  for (let t = 0; t < TABLE; t++) {
    // Items of no mass are passed over, never given a slot.
    while ((t + 0.5) / TABLE > cum && i < numItems - 1) {
      i++;
      cum += mass(counts[i] as number) / total;
    }
    table[t] = i;
  }
  return table;
}

const sigmoid = (x: number): number => (x > 8 ? 1 : x < -8 ? 0 : 1 / (1 + Math.exp(-x)));

function checkOptions(o: Item2VecOptions): void {
  const ints = ['dim', 'window', 'epochs'] as const;
  for (const k of ints) if (!Number.isInteger(o[k]) || o[k] < 1) throw badRequest('train_option_invalid', `${k} must be an integer >= 1, got ${o[k]}`, k);
  if (!Number.isInteger(o.negatives) || o.negatives < 0) throw badRequest('train_option_invalid', `negatives must be an integer >= 0`, 'negatives');
  if (!(o.lr > 0) || !(o.minLr >= 0) || o.minLr > o.lr) throw badRequest('train_option_invalid', 'need 0 <= minLr <= lr and lr > 0', 'lr');
  if (!(o.adversarial >= 0) || !(o.adversarialWeight >= 0)) throw badRequest('train_option_invalid', 'adversarial and adversarialWeight must be >= 0', 'adversarial');
  if (o.augment !== undefined) validateAugment(o.augment);
}

/** What the steps of one run share: its options, its draws, the pair update and the learning-rate schedule. */
interface Run {
  o: Item2VecOptions;
  rng: Rng;
  pair: PairStep;
  /** Centres visited so far (masked ones too) and in the whole run: the learning rate decays linearly over them. */
  step: number;
  totalSteps: number;
  /** The current epoch's summed loss and its positive pairs. */
  loss: number;
  pairs: number;
}

/** Trains one positive pair of the centre at row `cRow` with its negatives; returns its negative log-likelihood. */
type PairStep = (cRow: number, ctx: number, lr: number) => number;

/** The input and context vectors a run starts from: copies of `initial`, else random inputs (drawn first from `rng`) and zero contexts. */
function startVectors(numItems: number, dim: number, rng: Rng, initial?: { vectors: Float32Array; context: Float32Array }): { w: Float32Array; c: Float32Array } {
  if (initial !== undefined && (initial.vectors.length !== numItems * dim || initial.context.length !== numItems * dim)) {
    throw badRequest('train_option_invalid', 'initial vectors do not match numItems × dim', 'initial');
  }
  const w = initial?.vectors.slice() ?? new Float32Array(numItems * dim);
  if (initial === undefined) for (let i = 0; i < w.length; i++) w[i] = (rng.next() - 0.5) / dim;
  const c = initial?.context.slice() ?? new Float32Array(numItems * dim);
  return { w, c };
}

/**
 * The skip-gram step over input vectors `w` and context vectors `c`: the centre's positive pair and
 * its negatives drawn from `table`, a clean pass, then (optionally) an adversarial one. Its buffers
 * are allocated once, here, and reused by every step.
 */
function createPairStep(w: Float32Array, c: Float32Array, table: Int32Array, rng: Rng, o: Item2VecOptions): PairStep {
  const { dim, negatives } = o;
  const grad = new Float32Array(dim);
  const adv = new Float32Array(dim);
  const targets = new Int32Array(negatives + 1);

  /** One (centre, target, label) update from centre vector `wv` at `wRow`; returns its negative log-likelihood. */
  const update = (wv: Float32Array, wRow: number, tRow: number, label: number, lr: number): number => {
    let f = 0;
    for (let d = 0; d < dim; d++) f += (wv[wRow + d] as number) * (c[tRow + d] as number);
    const p = sigmoid(f);
    const g = (label - p) * lr;
    for (let d = 0; d < dim; d++) {
      grad[d] = (grad[d] as number) + g * (c[tRow + d] as number);
      c[tRow + d] = (c[tRow + d] as number) + g * (wv[wRow + d] as number);
    }
    return -Math.log(Math.max(label === 1 ? p : 1 - p, 1e-7));
  };

  return (cRow, ctx, lr) => {
    let n = 0;
    targets[n++] = ctx;
    for (let k = 0; k < negatives; k++) {
      const neg = table[rng.int(TABLE)] as number;
      if (neg !== ctx) targets[n++] = neg;
    }
    grad.fill(0);
    let loss = 0;
    for (let k = 0; k < n; k++) loss += update(w, cRow, (targets[k] as number) * dim, k === 0 ? 1 : 0, lr);
    if (o.adversarial > 0) {
      // grad is −lr·∇w(loss): the perturbation goes the other way, to raise the loss.
      let g2 = 0;
      for (let d = 0; d < dim; d++) g2 += (grad[d] as number) * (grad[d] as number);
      const scale = g2 > 0 ? -o.adversarial / Math.sqrt(g2) : 0;
      for (let d = 0; d < dim; d++) adv[d] = (w[cRow + d] as number) + scale * (grad[d] as number);
      const alr = lr * o.adversarialWeight;
      for (let k = 0; k < n; k++) update(adv, 0, (targets[k] as number) * dim, k === 0 ? 1 : 0, alr);
    }
    for (let d = 0; d < dim; d++) w[cRow + d] = (w[cRow + d] as number) + (grad[d] as number);
    return loss;
  };
}

/** One view of a sequence, centre by centre: each centre's pairs within a random window, their losses added to the run's. */
function trainView(run: Run, s: Int32Array): void {
  const { o, rng, pair } = run;
  const { dim, window } = o;
  for (let i = 0; i < s.length; i++, run.step++) {
    const centre = s[i] as number;
    if (centre === MASKED) continue;
    const lr = Math.max(o.minLr, o.lr * (1 - run.step / run.totalSteps));
    // A random window per centre, as word2vec: nearer neighbours count more often.
    const span = 1 + rng.int(window);
    for (let j = Math.max(0, i - span); j < Math.min(s.length, i + span + 1); j++) {
      const ctx = s[j] as number;
      if (j === i || ctx === centre || ctx === MASKED) continue;
      run.loss += pair(centre * dim, ctx, lr);
      run.pairs++;
    }
  }
}

/** One epoch: every sequence, then its augmented views, yielding to the event loop when due. Returns the mean loss per pair. */
async function trainEpoch(run: Run, sequences: readonly Int32Array[], views: number, clock: ReturnType<typeof createEpochClock>): Promise<number> {
  run.loss = 0;
  run.pairs = 0;
  for (let si = 0; si < sequences.length; si++) {
    for (let v = 0; v < views; v++) {
      const s = v === 0 ? (sequences[si] as Int32Array) : augmentItems(sequences[si] as Int32Array, run.o.augment as AugmentOptions, run.rng);
      if (s === undefined) continue;
      trainView(run, s);
    }
    if (clock.due()) await clock.tick();
  }
  return run.pairs > 0 ? run.loss / run.pairs : 0;
}

/**
 * Trains item vectors. Between chunks of sequences it yields to the event loop, so a process that
 * also serves requests keeps answering while it trains.
 */
export async function trainItem2Vec(
  sequences: readonly Int32Array[],
  numItems: number,
  options: Partial<Item2VecOptions> = {},
  onEpoch?: (p: EpochProgress) => void,
  /** Continue from a previous run (fine-tuning) instead of a random start; copied, not modified. */
  initial?: { vectors: Float32Array; context: Float32Array },
): Promise<Item2VecResult> {
  const o: Item2VecOptions = { ...DEFAULT_ITEM2VEC, ...options };
  checkOptions(o);
  const rng = createRng(o.seed);
  const { w, c } = startVectors(numItems, o.dim, rng, initial);
  const table = negativeTable(sequences, numItems);
  const views = 1 + (o.augment?.copies ?? 0);
  let tokens = 0;
  for (const s of sequences) tokens += s.length;
  const run: Run = { o, rng, pair: createPairStep(w, c, table, rng, o), step: 0, totalSteps: Math.max(1, tokens * o.epochs * views), loss: 0, pairs: 0 };
  const clock = createEpochClock(o.epochs, onEpoch);
  let lastLoss = 0;
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    clock.begin();
    lastLoss = await trainEpoch(run, sequences, views, clock);
    clock.epoch(epoch, lastLoss);
  }
  return { vectors: w, context: c, loss: lastLoss };
}
