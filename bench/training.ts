import { collectTrainingData, trainModel } from '../src/batch/index.ts';
import type { MeridianEvent } from '../src/ingest/index.ts';
import { storefront } from './engine.ts';
import { nowMs, percentiles, round, rounded, type Percentiles } from './stats.ts';
import type { BenchOptions, Figure, Section } from './types.ts';

/**
 * Training time per epoch of the batch trainer (item2vec pretraining, `trainModel` of src/batch), on
 * a simulated storefront's events: the catalog and a day of traffic, as the event store would hold
 * them. No hold-out evaluation and no fine-tuning, so every epoch timed is a pretraining epoch.
 */
export interface TrainingData {
  available: boolean;
  note: string;
  secondsPerEpoch: number | null;
  events?: number;
  shoppers?: number;
  items?: number;
  epochMs?: Percentiles;
  epochs?: { phase: string; epoch: number; ms: number; loss: number }[];
  /** collectTrainingData + trainModel end to end (content map included). */
  totalSeconds?: number;
}

async function* fromArray<T>(xs: readonly T[]): AsyncGenerator<T> {
  yield* xs;
}

export async function runTrainingBench(opts: BenchOptions): Promise<TrainingData> {
  const size = opts.quick ? { items: 2_000, users: 2_000, events: 20_000 } : { items: 20_000, users: 20_000, events: 200_000 };
  const { catalog, traffic } = storefront(opts.seed, size);
  const events: MeridianEvent[] = [...catalog, ...traffic];
  const epochs: NonNullable<TrainingData['epochs']> = [];
  const t0 = nowMs();
  const data = await collectTrainingData(fromArray(events));
  opts.log(`training: ${data.sequences.length} shopper sequences over ${data.itemIds.length} items`);
  await trainModel(
    data,
    // The fixed user encoder: fitting it with tfjs is a step of its own, not an epoch.
    { epochs: opts.quick ? 2 : 3, finetuneEpochs: 0, evaluate: false, encoderFit: 'fixed', seed: opts.seed },
    { onEpoch: (phase, p) => epochs.push({ phase, epoch: p.epoch, ms: round(p.ms), loss: round(p.loss) }) },
  );
  const totalSeconds = (nowMs() - t0) / 1000;
  const pretrain = epochs.filter((e) => e.phase === 'pretrain');
  if (pretrain.length === 0) return { available: false, secondsPerEpoch: null, note: 'the trainer ran but reported no pretraining epoch (onEpoch hook)' };
  const ms = percentiles(pretrain.map((e) => e.ms));
  return {
    available: true,
    note: `mean of ${pretrain.length} item2vec pretraining epochs over ${data.sequences.length} shoppers, ${data.itemIds.length} items (${events.length} events)`,
    secondsPerEpoch: round(ms.mean / 1000),
    events: events.length,
    shoppers: data.sequences.length,
    items: data.itemIds.length,
    epochMs: rounded(ms),
    epochs,
    totalSeconds: round(totalSeconds),
  };
}

export const runTraining: Section = async (opts) => {
  let data: TrainingData;
  try {
    data = await runTrainingBench(opts);
  } catch (e) {
    // A failing trainer is a finding of this section, not a reason to lose the others.
    data = { available: false, secondsPerEpoch: null, note: `trainer failed: ${e instanceof Error ? e.message : String(e)}` };
  }
  const figure: Figure = { key: 'training.seconds_per_epoch', label: 'training time per epoch', value: data.secondsPerEpoch, unit: 's', note: data.note };
  return { figures: [figure], data };
};
