import { badRequest, createRng } from '../core/index.ts';

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
}

export const DEFAULT_ITEM2VEC: Readonly<Item2VecOptions> = Object.freeze({
  dim: 64,
  window: 3,
  negatives: 5,
  epochs: 5,
  lr: 0.025,
  minLr: 0.0001,
  seed: 1,
});

export interface EpochProgress {
  epoch: number;
  epochs: number;
  /** Mean negative log-likelihood per positive pair in this epoch. */
  loss: number;
  ms: number;
  etaMs: number;
}

export interface Item2VecResult {
  /** Input vectors, `numItems × dim`, row-major; rows of items never seen stay at their random start. */
  vectors: Float32Array;
  /** Context (output) vectors: with `vectors`, the start of a fine-tuning run. */
  context: Float32Array;
  loss: number;
}

const TABLE = 1 << 20;

/** Negative-sampling table over counts^0.75, the word2vec choice: frequent items less dominant. */
function negativeTable(sequences: readonly Int32Array[], numItems: number): Int32Array {
  const counts = new Float64Array(numItems);
  for (const s of sequences) for (const x of s) counts[x] = (counts[x] as number) + 1;
  let total = 0;
  for (let i = 0; i < numItems; i++) total += Math.pow(counts[i] as number, 0.75);
  const table = new Int32Array(TABLE);
  let i = 0;
  let cum = numItems > 0 ? Math.pow(counts[0] as number, 0.75) / total : 1;
  for (let t = 0; t < TABLE; t++) {
    table[t] = i;
    if (t / TABLE > cum && i < numItems - 1) {
      i++;
      cum += Math.pow(counts[i] as number, 0.75) / total;
    }
  }
  return table;
}

const sigmoid = (x: number): number => (x > 8 ? 1 : x < -8 ? 0 : 1 / (1 + Math.exp(-x)));

function checkOptions(o: Item2VecOptions): void {
  const ints: (keyof Item2VecOptions)[] = ['dim', 'window', 'epochs'];
  for (const k of ints) if (!Number.isInteger(o[k]) || o[k] < 1) throw badRequest('train_bad_option', `${k} must be an integer >= 1, got ${o[k]}`, k);
  if (!Number.isInteger(o.negatives) || o.negatives < 0) throw badRequest('train_bad_option', `negatives must be an integer >= 0`, 'negatives');
  if (!(o.lr > 0) || !(o.minLr >= 0) || o.minLr > o.lr) throw badRequest('train_bad_option', 'need 0 <= minLr <= lr and lr > 0', 'lr');
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
  const { dim, window, negatives, epochs } = o;
  const rng = createRng(o.seed);
  if (initial !== undefined && (initial.vectors.length !== numItems * dim || initial.context.length !== numItems * dim)) {
    throw badRequest('train_bad_option', 'initial vectors do not match numItems × dim', 'initial');
  }
  const w = initial?.vectors.slice() ?? new Float32Array(numItems * dim);
  if (initial === undefined) for (let i = 0; i < w.length; i++) w[i] = (rng.next() - 0.5) / dim;
  const c = initial?.context.slice() ?? new Float32Array(numItems * dim);
  const grad = new Float32Array(dim);
  const table = negativeTable(sequences, numItems);
  let tokens = 0;
  for (const s of sequences) tokens += s.length;
  const totalSteps = Math.max(1, tokens * epochs);
  let step = 0;
  let lastLoss = 0;
  const t0 = performance.now();

  /** One (centre, target, label) update; returns its negative log-likelihood. */
  const update = (cRow: number, tRow: number, label: number, lr: number): number => {
    let f = 0;
    for (let d = 0; d < dim; d++) f += (w[cRow + d] as number) * (c[tRow + d] as number);
    const p = sigmoid(f);
    const g = (label - p) * lr;
    for (let d = 0; d < dim; d++) {
      grad[d] = (grad[d] as number) + g * (c[tRow + d] as number);
      c[tRow + d] = (c[tRow + d] as number) + g * (w[cRow + d] as number);
    }
    return -Math.log(Math.max(label === 1 ? p : 1 - p, 1e-7));
  };

  for (let epoch = 1; epoch <= epochs; epoch++) {
    const te = performance.now();
    let loss = 0;
    let pairs = 0;
    let chunk = performance.now();
    for (let si = 0; si < sequences.length; si++) {
      const s = sequences[si] as Int32Array;
      for (let i = 0; i < s.length; i++, step++) {
        const lr = Math.max(o.minLr, o.lr * (1 - step / totalSteps));
        const centre = s[i] as number;
        const cRow = centre * dim;
        // A random window per centre, as word2vec: nearer neighbours count more often.
        const span = 1 + rng.int(window);
        for (let j = Math.max(0, i - span); j < Math.min(s.length, i + span + 1); j++) {
          if (j === i) continue;
          const ctx = s[j] as number;
          if (ctx === centre) continue;
          grad.fill(0);
          loss += update(cRow, ctx * dim, 1, lr);
          for (let k = 0; k < negatives; k++) {
            const neg = table[rng.int(TABLE)] as number;
            if (neg === ctx) continue;
            loss += update(cRow, neg * dim, 0, lr);
          }
          for (let d = 0; d < dim; d++) w[cRow + d] = (w[cRow + d] as number) + (grad[d] as number);
          pairs++;
        }
      }
      if (performance.now() - chunk > 20) {
        await new Promise((r) => setImmediate(r));
        chunk = performance.now();
      }
    }
    lastLoss = pairs > 0 ? loss / pairs : 0;
    const now = performance.now();
    onEpoch?.({ epoch, epochs, loss: lastLoss, ms: now - te, etaMs: ((now - t0) / epoch) * (epochs - epoch) });
  }
  return { vectors: w, context: c, loss: lastLoss };
}
