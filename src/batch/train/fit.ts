import { dot, normalizeInPlace } from '../../core/index.ts';
import { createHashedContentEncoder } from '../../models/index.ts';
import { applyContentMap } from '../../registry/index.ts';
import { fitContentMap } from '../../models/index.ts';
import { trainItem2Vec } from '../../models/index.ts';
import { countTargets, finetuneNextItem } from '../../models/index.ts';
import { fitDecayMixEncoder, type TfModule } from '../../models/index.ts';
import type { InteractionType, ShopperSequence, TrainingData } from '../../models/index.ts';
import type { TrainHooks, TrainOptions, TrainPhase, TrainStage } from './options.ts';

export const DEFAULT_TYPE_WEIGHTS: Readonly<Record<InteractionType, number>> = Object.freeze({ view: 1, click: 2, add_to_cart: 3, purchase: 4 });

export interface UserEncoderParams {
  halfLifeMs: number;
  weights: Record<InteractionType, number>;
  lossBefore?: number;
  loss?: number;
}

export interface FittedModel {
  /** `numItems × dim`: learned rows for items seen in training, the content map's for others, else zero. */
  vectors: Float32Array;
  /** Per-market tables (same layout), fine-tuned from `vectors` on that market's targets. */
  markets: Map<string, Float32Array>;
  seen: Uint8Array;
  map: Float32Array;
  /** Loss of the last phase that trained item vectors (pretraining or fine-tuning). */
  loss: number;
  losses: { pretrain: number; finetune?: number; markets?: Record<string, number> };
  /** Mean cosine between the content map's vector and the learned one, over trained items with content. */
  contentFit: number;
  encoder: UserEncoderParams;
}

/**
 * The whole fit: item2vec pretraining on every interaction of every market; the user encoder's
 * parameters (tfjs, when `tf` is given); the next-item fine-tune of the item vectors through that
 * encoder (on purchases or every step); per-market fine-tunes from the all-market vectors; the
 * cold-start content map. Augmentation and adversarial training apply to every phase that trains
 * item vectors.
 */
export async function fitModel(
  seqs: readonly ShopperSequence[],
  data: TrainingData,
  o: TrainOptions,
  hooks: TrainHooks = {},
  { evaluating = false, tf }: { evaluating?: boolean; tf?: (() => Promise<TfModule>) | undefined } = {},
): Promise<FittedModel> {
  const n = data.itemIds.length;
  const { dim } = o;
  const tag = (p: TrainStage): TrainPhase => (evaluating ? `evaluate: ${p}` : p);
  const shared = { augment: o.augment, adversarial: o.adversarial, adversarialWeight: o.adversarialWeight, seed: o.seed };
  const pre = await trainItem2Vec(
    seqs.map((s) => s.items),
    n,
    { dim, window: o.window, negatives: o.negatives, lr: o.lr, epochs: o.epochs, ...shared },
    (p) => hooks.onEpoch?.(tag('pretrain'), p),
  );
  const seen = new Uint8Array(n);
  for (const s of seqs) for (const x of s.items) seen[x] = 1;
  let vectors = itemSpace(pre.vectors, pre.context, seen, dim);
  let encoder: UserEncoderParams = { halfLifeMs: o.halfLifeMs, weights: { ...DEFAULT_TYPE_WEIGHTS } };
  if (tf !== undefined) {
    const fitOpts = { steps: o.encoderSteps, batch: 256, maxHistory: o.maxHistory, maxCases: 20_000, lr: 0.05, seed: o.seed, sampled: 1024, ...encoder };
    encoder = await fitDecayMixEncoder(await tf(), seqs, vectors, dim, fitOpts, (step, l) => hooks.onEncoderStep?.(tag('encoder'), step, o.encoderSteps, l));
  }
  const losses: FittedModel['losses'] = { pretrain: pre.loss };
  const markets = new Map<string, Float32Array>();
  if (o.finetuneEpochs > 0) {
    const ft = await fineTune(seqs, vectors, o, encoder, hooks, tag);
    vectors = ft.vectors;
    losses.finetune = ft.loss;
    for (const [m, r] of ft.markets) markets.set(m, r.vectors);
    if (o.perMarket) losses.markets = Object.fromEntries([...ft.markets].map(([m, r]) => [m, r.loss]));
  }
  const { map, contentFit } = fitMap(vectors, seen, data, o);
  // Items with content but no behaviour in this split: the cold-start vector, as serving would give them.
  const hashed = createHashedContentEncoder({ dim: o.contentDim });
  for (let i = 0; i < n; i++) {
    const c = seen[i] === 1 ? undefined : data.contents.get(data.itemIds[i] as string);
    if (c === undefined) continue;
    const row = applyContentMap(hashed.encode(c), map, dim, vectors.subarray(i * dim, (i + 1) * dim));
    for (const table of markets.values()) table.set(row, i * dim);
  }
  return { vectors, markets, seen, map, loss: losses.finetune ?? losses.pretrain, losses, contentFit, encoder };
}

type Tag = (p: TrainStage) => TrainPhase;

/** The all-market next-item fine-tune, then (with perMarket) one per market large enough, each from the all-market vectors. */
async function fineTune(
  seqs: readonly ShopperSequence[],
  start: Float32Array,
  o: TrainOptions,
  encoder: UserEncoderParams,
  hooks: TrainHooks,
  tag: Tag,
): Promise<{ vectors: Float32Array; loss: number; markets: Map<string, { vectors: Float32Array; loss: number }> }> {
  let targets = o.finetuneOn;
  if (targets === 'purchases' && countTargets(seqs, { targets }) === 0) {
    hooks.onNote?.(tag('fine-tune'), 'no carts or purchases in the data: fine-tuning on every next item');
    targets = 'all';
  }
  const ft = {
    augment: o.augment,
    adversarial: o.adversarial,
    adversarialWeight: o.adversarialWeight,
    seed: o.seed,
    lr: o.finetuneLr,
    negatives: o.finetuneNegatives,
    maxHistory: o.maxHistory,
    halfLifeMs: encoder.halfLifeMs,
    weights: encoder.weights,
    targets,
  };
  const all = await finetuneNextItem(seqs, start, o.dim, { ...ft, epochs: o.finetuneEpochs }, (p) => hooks.onEpoch?.(tag('fine-tune'), p));
  const markets = new Map<string, { vectors: Float32Array; loss: number }>();
  if (!o.perMarket) return { vectors: all.vectors, loss: all.loss, markets };
  for (const m of marketsOf(seqs)) {
    const cases = countTargets(seqs, { targets, market: m });
    if (cases < o.minMarketCases) {
      hooks.onNote?.(tag(`market ${m}`), `${cases} target cases (< ${o.minMarketCases}): keeps the all-market vectors`);
      continue;
    }
    const r = await finetuneNextItem(seqs, all.vectors, o.dim, { ...ft, epochs: o.marketEpochs, market: m }, (p) => hooks.onEpoch?.(tag(`market ${m}`), p));
    markets.set(m, { vectors: r.vectors, loss: r.loss });
  }
  return { vectors: all.vectors, loss: all.loss, markets };
}

/** Markets of the data, most steps first ('' — no market — left out). */
function marketsOf(seqs: readonly ShopperSequence[]): string[] {
  const counts = new Map<string, number>();
  for (const s of seqs) for (const m of s.markets) if (m !== '') counts.set(m, (counts.get(m) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([m]) => m);
}

/**
 * The start of the item space: input + context vectors (both carry the co-occurrence signal),
 * centred and unit length. Skip-gram vectors share one strong common direction; left in, it
 * dominates a sum of several items (the shopper's vector) and ranks by that direction instead of
 * by the shopper's taste.
 */
function itemSpace(input: Float32Array, context: Float32Array, seen: Uint8Array, dim: number): Float32Array {
  const n = seen.length;
  const out = new Float32Array(n * dim);
  const mean = new Float64Array(dim);
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (seen[i] !== 1) continue;
    const row = out.subarray(i * dim, (i + 1) * dim);
    for (let d = 0; d < dim; d++) row[d] = (input[i * dim + d] as number) + (context[i * dim + d] as number);
    normalizeInPlace(row);
    for (let d = 0; d < dim; d++) mean[d] = (mean[d] as number) + (row[d] as number);
    count++;
  }
  for (let i = 0; i < n; i++) {
    if (seen[i] !== 1) continue;
    const row = out.subarray(i * dim, (i + 1) * dim);
    for (let d = 0; d < dim; d++) row[d] = (row[d] as number) - (mean[d] as number) / count;
    normalizeInPlace(row);
  }
  return out;
}

function fitMap(vectors: Float32Array, seen: Uint8Array, data: TrainingData, o: TrainOptions): { map: Float32Array; contentFit: number } {
  const { dim, contentDim } = o;
  const hashed = createHashedContentEncoder({ dim: contentDim });
  const rows: number[] = [];
  for (let i = 0; i < seen.length; i++) if (seen[i] === 1 && data.contents.has(data.itemIds[i] as string)) rows.push(i);
  const x = new Float32Array(rows.length * contentDim);
  const y = new Float32Array(rows.length * dim);
  rows.forEach((item, r) => {
    x.set(hashed.encode(data.contents.get(data.itemIds[item] as string) as Parameters<typeof hashed.encode>[0]), r * contentDim);
    y.set(vectors.subarray(item * dim, (item + 1) * dim), r * dim);
  });
  const map = fitContentMap(x, y, { n: rows.length, inDim: contentDim, dim, lambda: o.lambda });
  let cos = 0;
  const out = new Float32Array(dim);
  for (let r = 0; r < rows.length; r++) {
    const target = y.subarray(r * dim, (r + 1) * dim);
    const len = Math.sqrt(dot(target, target));
    if (len > 0) cos += dot(applyContentMap(x.subarray(r * contentDim, (r + 1) * contentDim), map, dim, out), target) / len;
  }
  return { map, contentFit: rows.length > 0 ? cos / rows.length : 0 };
}
