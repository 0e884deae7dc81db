import { badRequest, createRng, type Rng } from '../../core/index.ts';
import { MASKED, randomView, validateAugment, type AugmentOptions } from './augment.ts';
import { createEpochClock, negativeTable, NEGATIVE_TABLE_SIZE, type EpochProgress } from './item2vec.ts';
import type { InteractionType, ShopperSequence } from '../data.ts';

/**
 * Fine-tuning of the item vectors for the task serving performs: the shopper's vector is the decay
 * mix of their history (the online user encoder: Σ w(type)·2^(−age/halfLife)·item, normalised) and
 * items are ranked by inner product with it. Each step of a sequence is a case (history → next item),
 * trained with negative sampling, one table of unit rows for history and candidates as in serving
 * (its index normalises item vectors). Plain TypeScript on Float32Array: a case touches only the
 * rows of its history, target and negatives.
 */
export interface NextItemOptions {
  epochs: number;
  /** Learning rate (SGD), decayed linearly to 1% of it over the run. */
  lr: number;
  negatives: number;
  /** Sampling weight of a negative: its target count to this power (0: uniform over targets). */
  negativePower: number;
  /** History steps a case sees (older ones have decayed away in serving). */
  maxHistory: number;
  seed: number;
  halfLifeMs: number;
  weights: Record<InteractionType, number>;
  /** Which steps are targets: every next item, or carts and purchases only. */
  targets: 'all' | 'purchases';
  /** Only targets in this market (the per-market fine-tune); the history keeps every market. */
  market?: string | undefined;
  augment?: AugmentOptions | undefined;
  /** FGSM radius on the shopper's (unit) vector: each case is also trained at u + eps·∇u/|∇u|. 0: off. */
  adversarial: number;
  adversarialWeight: number;
}

export const DEFAULT_NEXT_ITEM: Readonly<Omit<NextItemOptions, 'weights' | 'halfLifeMs'>> = Object.freeze({
  epochs: 2,
  lr: 0.1,
  negatives: 5,
  negativePower: 0.75,
  maxHistory: 20,
  seed: 1,
  targets: 'all',
  adversarial: 0,
  adversarialWeight: 1,
});

export interface NextItemResult {
  vectors: Float32Array;
  loss: number;
  /** Target cases per epoch (originals, without augmented views). */
  cases: number;
}

const sigmoid = (x: number): number => (x > 15 ? 1 : x < -15 ? 0 : 1 / (1 + Math.exp(-x)));

const TARGET_TYPES: ReadonlySet<InteractionType> = new Set(['add_to_cart', 'purchase']);

type TargetFilter = Pick<NextItemOptions, 'targets' | 'market'>;

function isTarget(s: ShopperSequence, t: number, o: TargetFilter): boolean {
  if (o.targets === 'purchases' && !TARGET_TYPES.has(s.types[t] as InteractionType)) return false;
  return o.market === undefined || s.markets[t] === o.market;
}

/** Target cases of the sequences under the options (what a fine-tune would learn from). */
export function countTargets(seqs: readonly ShopperSequence[], o: TargetFilter): number {
  let n = 0;
  for (const s of seqs) for (let t = 1; t < s.items.length; t++) if (isTarget(s, t, o)) n++;
  return n;
}

function check(o: NextItemOptions): void {
  for (const k of ['epochs', 'maxHistory'] as const) if (!Number.isInteger(o[k]) || o[k] < 1) throw badRequest('train_option_invalid', `${k} must be an integer >= 1, got ${o[k]}`, k);
  if (!Number.isInteger(o.negatives) || o.negatives < 1) throw badRequest('train_option_invalid', 'negatives must be an integer >= 1', 'negatives');
  if (!(o.lr > 0) || !(o.halfLifeMs > 0)) throw badRequest('train_option_invalid', 'lr and halfLifeMs must be > 0', 'lr');
  if (!(o.adversarial >= 0) || !(o.adversarialWeight >= 0)) throw badRequest('train_option_invalid', 'adversarial and adversarialWeight must be >= 0', 'adversarial');
  if (o.augment !== undefined) validateAugment(o.augment);
}

/** An augmented copy of a sequence (masked steps keep their time and carry MASKED). */
function viewOf(s: ShopperSequence, o: AugmentOptions, rng: Rng): ShopperSequence | undefined {
  const v = randomView(s.items.length, o, rng);
  if (v === undefined) return undefined;
  const n = v.positions.length;
  const items = new Int32Array(n);
  const types: InteractionType[] = [];
  const markets: string[] = [];
  for (let i = 0; i < n; i++) {
    const p = v.positions[i] as number;
    // A masked step keeps the type and market of its place, so target filters still apply.
    const src = p === MASKED ? v.start + i : p;
    items[i] = p === MASKED ? MASKED : (s.items[p] as number);
    types.push(s.types[src] as InteractionType);
    markets.push(s.markets[src] as string);
  }
  return { key: s.key, items, types, ts: s.ts.slice(v.start, v.start + n), markets };
}

interface Scratch {
  hist: Int32Array;
  coef: Float64Array;
  q: Float32Array;
  u: Float32Array;
  du: Float32Array;
  clean: Float32Array;
  adv: Float32Array;
  cands: Int32Array;
}

/**
 * Fine-tunes `vectors` (`numItems × dim`, copied) by next-item prediction through the decay mix.
 * Returns the new vectors and the last epoch's mean loss per case.
 */
export async function finetuneNextItem(
  seqs: readonly ShopperSequence[],
  vectors: Float32Array,
  dim: number,
  options: Partial<NextItemOptions> & Pick<NextItemOptions, 'halfLifeMs' | 'weights'>,
  onEpoch?: (p: EpochProgress) => void,
): Promise<NextItemResult> {
  const o: NextItemOptions = { ...DEFAULT_NEXT_ITEM, ...options };
  check(o);
  const numItems = vectors.length / dim;
  const E = vectors.slice();
  const table: Table = { E, dim };
  const rng = createRng(o.seed);
  const targetsOnly = seqs.map((s) => Int32Array.from({ length: s.items.length }, (_, t) => (t > 0 && isTarget(s, t, o) ? (s.items[t] as number) : MASKED)));
  const negatives = negativeTable(targetsOnly, numItems, o.negativePower);
  const cases = countTargets(seqs, o);
  const L = o.maxHistory;
  const sc: Scratch = {
    hist: new Int32Array(L),
    coef: new Float64Array(L),
    q: new Float32Array(dim),
    u: new Float32Array(dim),
    du: new Float32Array(dim),
    clean: new Float32Array(dim),
    adv: new Float32Array(dim),
    cands: new Int32Array(o.negatives + 1),
  };
  const views = 1 + (o.augment?.copies ?? 0);
  const total = Math.max(1, cases * views * o.epochs);
  let done = 0;
  let lastLoss = 0;
  const clock = createEpochClock(o.epochs, onEpoch);

  /** One case: the target at step t of s. Returns its loss, or -1 when it has no usable history. */
  const step = (s: ShopperSequence, t: number): number => {
    const lr = o.lr * Math.max(0.01, 1 - done / total);
    done++;
    const target = s.items[t] as number;
    const h = history(s, t, o, sc);
    if (h === 0) return -1;
    let n = 0;
    sc.cands[n++] = target;
    for (let k = 0; k < o.negatives; k++) {
      const neg = negatives[rng.int(NEGATIVE_TABLE_SIZE)] as number;
      if (neg !== target) sc.cands[n++] = neg;
    }
    return caseUpdate(table, sc, h, n, lr, o);
  };

  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    clock.begin();
    let loss = 0;
    let counted = 0;
    for (const original of seqs) {
      for (let v = 0; v < views; v++) {
        const s = v === 0 ? original : viewOf(original, o.augment as AugmentOptions, rng);
        if (s === undefined) continue;
        for (let t = 1; t < s.items.length; t++) {
          if (s.items[t] === MASKED || !isTarget(s, t, o)) continue;
          const l = step(s, t);
          if (l >= 0 && v === 0) {
            loss += l;
            counted++;
          }
        }
      }
      if (clock.due()) await clock.tick();
    }
    lastLoss = counted > 0 ? loss / counted : 0;
    clock.epoch(epoch, lastLoss);
  }
  return { vectors: E, loss: lastLoss, cases };
}

/** Fills sc.hist / sc.coef with the history of step t (most recent first); returns its length. */
function history(s: ShopperSequence, t: number, o: NextItemOptions, sc: Scratch): number {
  const last = s.ts[t - 1] as number;
  let h = 0;
  for (let j = t - 1; j >= 0 && h < o.maxHistory; j--) {
    const item = s.items[j] as number;
    if (item === MASKED) continue;
    const w = o.weights[s.types[j] as InteractionType] * Math.pow(2, -(last - (s.ts[j] as number)) / o.halfLifeMs);
    if (w === 0) continue;
    sc.hist[h] = item;
    sc.coef[h] = w;
    h++;
  }
  return h;
}

/** The item table being trained (rows of `dim`). */
interface Table {
  E: Float32Array;
  dim: number;
}

/**
 * SGD on one row, touched only: E[item] −= lr · scale · v, then back onto the unit sphere. Serving's
 * vector index keeps item vectors at unit length (cosine), so the model trained is the one it runs.
 */
function rowStep(t: Table, item: number, v: Float32Array, scale: number, lr: number): void {
  const step = lr * scale;
  const row = item * t.dim;
  let nn = 0;
  for (let d = 0; d < t.dim; d++) {
    const x = (t.E[row + d] as number) - step * (v[d] as number);
    t.E[row + d] = x;
    nn += x * x;
  }
  if (!(nn > 0)) return;
  const inv = 1 / Math.sqrt(nn);
  for (let d = 0; d < t.dim; d++) t.E[row + d] = (t.E[row + d] as number) * inv;
}

/**
 * Loss and step of one case: u = q/|q| with q = Σ coef·E[hist]; candidates scored by u·E[x].
 * With `adversarial`, the same candidates are scored again at u + eps·∇u/|∇u| and that loss joins in.
 */
function caseUpdate(t: Table, sc: Scratch, h: number, n: number, lr: number, o: NextItemOptions): number {
  const { E, dim } = t;
  const { q, u, du, clean, adv, hist, coef } = sc;
  q.fill(0);
  for (let k = 0; k < h; k++) {
    const row = (hist[k] as number) * dim;
    const c = coef[k] as number;
    for (let d = 0; d < dim; d++) q[d] = (q[d] as number) + c * (E[row + d] as number);
  }
  let qq = 0;
  for (let d = 0; d < dim; d++) qq += (q[d] as number) * (q[d] as number);
  const qn = Math.sqrt(qq);
  if (!(qn > 0)) return 0;
  for (let d = 0; d < dim; d++) u[d] = (q[d] as number) / qn;
  du.fill(0);
  const loss = score(t, u, sc, n, du, lr);
  if (o.adversarial > 0) {
    let g2 = 0;
    for (let d = 0; d < dim; d++) g2 += (du[d] as number) * (du[d] as number);
    const scale = g2 > 0 ? o.adversarial / Math.sqrt(g2) : 0;
    for (let d = 0; d < dim; d++) adv[d] = (u[d] as number) + scale * (du[d] as number);
    // The perturbation is a constant: its loss reaches the history through u, with its own weight.
    clean.set(du);
    du.fill(0);
    score(t, adv, sc, n, du, lr * o.adversarialWeight);
    for (let d = 0; d < dim; d++) du[d] = (clean[d] as number) + o.adversarialWeight * (du[d] as number);
  }
  // ∂loss/∂q = (du − (du·u)u) / |q|, then each history row gets its coefficient's share.
  let proj = 0;
  for (let d = 0; d < dim; d++) proj += (du[d] as number) * (u[d] as number);
  for (let d = 0; d < dim; d++) du[d] = ((du[d] as number) - proj * (u[d] as number)) / qn;
  for (let k = 0; k < h; k++) rowStep(t, hist[k] as number, du, coef[k] as number, lr);
  return loss;
}

/** Logistic loss of the candidates (the first one positive) at query `u`; adds ∂loss/∂u into du and steps the candidate rows. */
function score(t: Table, u: Float32Array, sc: Scratch, n: number, du: Float32Array, lr: number): number {
  const { E, dim } = t;
  let loss = 0;
  for (let k = 0; k < n; k++) {
    const item = sc.cands[k] as number;
    const row = item * dim;
    let s = 0;
    for (let d = 0; d < dim; d++) s += (u[d] as number) * (E[row + d] as number);
    const p = sigmoid(s);
    const label = k === 0 ? 1 : 0;
    loss -= Math.log(Math.max(label === 1 ? p : 1 - p, 1e-7));
    const g = p - label;
    for (let d = 0; d < dim; d++) du[d] = (du[d] as number) + g * (E[row + d] as number);
    rowStep(t, item, u, g, lr);
  }
  return loss;
}
