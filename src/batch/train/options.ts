import { badRequest } from '../../core/index.ts';
import { validateAugment, type AugmentOptions } from '../../models/index.ts';
import type { EpochProgress } from '../../models/index.ts';

export interface TrainOptions {
  dim: number;
  /** Pretraining epochs: item2vec on every interaction of every market. */
  epochs: number;
  seed: number;
  window: number;
  negatives: number;
  lr: number;
  /** Epochs of the next-item fine-tune through the user encoder (0: none). */
  finetuneEpochs: number;
  /**
   * Targets of the fine-tune: carts and purchases (what shoppers buy after what they browsed) or
   * every next item. With no cart or purchase in the data (line files), it runs on every next item.
   */
  finetuneOn: 'purchases' | 'all';
  finetuneLr: number;
  finetuneNegatives: number;
  /** History steps one fine-tuning case sees. */
  maxHistory: number;
  /** After the all-market fine-tune, one more per market, each starting from the all-market vectors. */
  perMarket: boolean;
  marketEpochs: number;
  /** Markets with fewer target cases keep the all-market vectors. */
  minMarketCases: number;
  /** Sequence augmentation (crop, mask, reorder) in pretraining and fine-tuning; undefined: off. */
  augment: AugmentOptions | undefined;
  /** FGSM radius of adversarial training (centre vectors in pretraining, the shopper's vector in fine-tuning); 0: off. */
  adversarial: number;
  adversarialWeight: number;
  /** Half-life of the user encoder (the start of its fit when it is fitted). */
  halfLifeMs: number;
  /** Hashed content features the cold-start map reads. */
  contentDim: number;
  lambda: number;
  /** Hold out each shopper's last item, train on the rest and report HR@10 / NDCG@10 first. */
  evaluate: boolean;
  /** Cases evaluated at most (the first ones, in shopper order). */
  maxCases: number;
  /** `tfjs`: learn the user encoder's half-life and type weights by next-item prediction; `fixed`: keep the defaults. */
  encoderFit: 'tfjs' | 'fixed';
  encoderSteps: number;
}

export const DEFAULT_TRAIN: Readonly<TrainOptions> = Object.freeze({
  dim: 64,
  epochs: 5,
  seed: 1,
  window: 3,
  negatives: 5,
  lr: 0.025,
  finetuneEpochs: 4,
  finetuneOn: 'purchases',
  finetuneLr: 0.1,
  finetuneNegatives: 5,
  maxHistory: 20,
  perMarket: false,
  marketEpochs: 1,
  minMarketCases: 200,
  augment: undefined,
  adversarial: 0,
  adversarialWeight: 1,
  halfLifeMs: 30 * 60_000,
  contentDim: 256,
  lambda: 0.1,
  evaluate: true,
  maxCases: 2000,
  encoderFit: 'fixed',
  encoderSteps: 150,
});

const bad = (field: string, msg: string): never => {
  throw badRequest('train_option_invalid', `${field} ${msg}`, field);
};

/** Fails fast, with the option's name, on a value training cannot use. */
export function validateTrainOptions(o: TrainOptions): void {
  const ints: [keyof TrainOptions, number][] = [['dim', 1], ['epochs', 1], ['window', 1], ['negatives', 0], ['finetuneEpochs', 0], ['finetuneNegatives', 1], ['maxHistory', 1], ['marketEpochs', 1], ['minMarketCases', 1], ['contentDim', 1], ['maxCases', 1], ['encoderSteps', 1]];
  for (const [k, min] of ints) if (!Number.isInteger(o[k]) || (o[k] as number) < min) bad(k, `must be an integer >= ${min}, got ${String(o[k])}`);
  for (const k of ['lr', 'finetuneLr', 'halfLifeMs', 'lambda'] as const) if (!(o[k] > 0)) bad(k, `must be > 0, got ${o[k]}`);
  for (const k of ['adversarial', 'adversarialWeight'] as const) if (!(o[k] >= 0)) bad(k, `must be >= 0, got ${o[k]}`);
  if (o.finetuneOn !== 'purchases' && o.finetuneOn !== 'all') bad('finetuneOn', `must be purchases or all, got ${String(o.finetuneOn)}`);
  if (o.encoderFit !== 'tfjs' && o.encoderFit !== 'fixed') bad('encoderFit', `must be tfjs or fixed, got ${String(o.encoderFit)}`);
  if (o.augment !== undefined) validateAugment(o.augment);
}

/** Phases as progress names them; a run that first measures itself on a hold-out prefixes them with `evaluate: `. */
export type TrainStage = 'pretrain' | 'encoder' | 'fine-tune' | `market ${string}`;
export type TrainPhase = TrainStage | `evaluate: ${TrainStage}`;

export interface TrainHooks {
  onEpoch?: (phase: TrainPhase, p: EpochProgress) => void;
  /** The tfjs backend chosen, when the encoder is fitted with tfjs. */
  onBackend?: (backend: string) => void;
  onEncoderStep?: (phase: TrainPhase, step: number, steps: number, loss: number) => void;
  /** A choice made on the data, e.g. no purchases to fine-tune on, a market too small to fine-tune. */
  onNote?: (phase: TrainPhase, message: string) => void;
}
