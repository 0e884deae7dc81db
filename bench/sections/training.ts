import { existsSync } from 'node:fs';
import { collectTrainingData, linesTrainingData, parseAugment } from '../../src/models/index.ts';
import { readLineSequences, trainModel, type TrainOptions } from '../../src/batch/index.ts';
import type { MeridianEvent } from '../../src/ingest/index.ts';
import { storefront } from '../harness/engine.ts';
import { nowMs, percentiles, round, rounded, type Percentiles } from '../harness/stats.ts';
import type { BenchOptions, Figure, Section } from '../harness/types.ts';

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
  /** Every option on (FULL_OPTIONS): the storefront with per-market fine-tunes, and beauty.txt when present. */
  full?: FullRun[];
}

export interface FullRun {
  data: string;
  seconds: number;
  cpuSeconds: number;
  phases: Record<string, { epochs: number; ms: number }>;
}

/** What `meridian train --finetune 4 --augment crop,mask,reorder --adversarial 0.1` runs (with --per-market on the storefront). */
const FULL_OPTIONS: Partial<TrainOptions> = { evaluate: false, encoderFit: 'tfjs', finetuneEpochs: 4, augment: parseAugment('crop,mask,reorder'), adversarial: 0.1 };
const BEAUTY = '/work/shared/data/recsys/beauty.txt';

async function fullRun(name: string, data: Parameters<typeof trainModel>[0], extra: Partial<TrainOptions>, seed: number): Promise<FullRun> {
  const phases: FullRun['phases'] = {};
  const t0 = nowMs();
  const c0 = process.cpuUsage();
  await trainModel(data, { ...FULL_OPTIONS, ...extra, seed }, {
    onEpoch: (phase, p) => {
      const key = phase.startsWith('market ') ? 'market' : phase;
      const e = (phases[key] ??= { epochs: 0, ms: 0 });
      e.epochs++;
      e.ms = round(e.ms + p.ms);
    },
  });
  const cpu = process.cpuUsage(c0);
  return { data: name, seconds: round((nowMs() - t0) / 1000), cpuSeconds: round((cpu.user + cpu.system) / 1e6), phases };
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
  const full = [await fullRun('storefront', data, { perMarket: true, minMarketCases: 100 }, opts.seed)];
  opts.log(`training: every option on the storefront in ${full[0]?.seconds ?? 0} s`);
  if (!opts.quick && existsSync(BEAUTY)) {
    const beauty = await linesTrainingData(readLineSequences(BEAUTY));
    full.push(await fullRun('beauty', beauty, { halfLifeMs: 2000 }, opts.seed));
    opts.log(`training: every option on beauty in ${full[1]?.seconds ?? 0} s`);
  }
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
    full,
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
  const beauty = data.full?.find((r) => r.data === 'beauty');
  const budget: Figure = {
    key: 'training.beauty_run_seconds',
    label: 'one training run on beauty, every option on',
    value: beauty?.seconds ?? null,
    unit: 's',
    // A run that was not made is not a miss: the target applies only to a measured run.
    ...(beauty === undefined ? {} : { target: { op: '<=', value: 600 } }),
    note: beauty === undefined ? `not run (--quick, or ${BEAUTY} missing)` : `${beauty.cpuSeconds} s CPU; pretrain, tfjs encoder fit, fine-tune ×4, augmentation, adversarial`,
  };
  return { figures: [figure, budget], data };
};
