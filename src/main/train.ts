import { loadConfig, type Config } from '../config/index.ts';
import type { Logger } from '../core/index.ts';
import { collectTrainingData, formatAugment, linesTrainingData, type AugmentOptions, type TrainingData } from '../models/index.ts';
import { readLineSequences, trainModel, type TuningMetrics, type TrainOptions } from '../batch/index.ts';
import { compareEvents, openEventStore, type EventStore } from '../event-store/index.ts';
import { readEventLog, type MeridianEvent } from '../ingest/index.ts';
import { createInstrumentation } from '../core/index.ts';
import { createModelRegistry, type ModelManifest, type ModelRegistry } from '../registry/index.ts';

/** What `meridian train` runs: its flags, parsed and checked (src/cli/train.ts). */
export interface TrainFlags {
  fromStore: boolean;
  /** Event logs (NDJSON, CSV, gzip), as `meridian replay` reads them. */
  logs: string[];
  /** `user item1 item2 …` sequence files. */
  lines: string[];
  tenant: string | undefined;
  epochs: number | undefined;
  dim: number | undefined;
  seed: number | undefined;
  /** Run again this often (ms); undefined: once. */
  every: number | undefined;
  evaluate: boolean;
  /** How the user encoder is fitted: `tfjs` (default) or `fixed` (built-in parameters). */
  encoder: 'tfjs' | 'fixed';
  config: string | undefined;
  /** Fine-tuning epochs (0: none), its targets, and the per-market fine-tunes. */
  finetune: number | undefined;
  finetuneOn: TrainOptions['finetuneOn'] | undefined;
  perMarket: boolean;
  marketEpochs: number | undefined;
  minMarketCases: number | undefined;
  augment: AugmentOptions | undefined;
  adversarial: number | undefined;
  adversarialWeight: number | undefined;
  /** Half-life of the user encoder (ms): its value when fixed, the start of its fit otherwise. */
  halfLife: number | undefined;
  /** Tune the serving blend on validation and publish it with the model (default on; `--no-tune`). */
  tune: boolean;
  /** Validation cases the tuning samples. */
  tuneCases: number | undefined;
}

export interface TrainDeps {
  logger: Logger;
  env?: Record<string, string | undefined>;
  /** The store `--from-store` reads; by default the configured one, opened and closed here. */
  eventStore?: EventStore;
  registry?: ModelRegistry;
  /** Progress lines (epoch, loss, ETA); default stderr. */
  progress?: (line: string) => void;
  /** The summary; default stdout. */
  out?: (line: string) => void;
  /** Ends `--every` after the run in flight; without one, SIGINT/SIGTERM do. */
  signal?: AbortSignal;
}

async function* fileEvents(files: readonly string[], logger: Logger): AsyncGenerator<MeridianEvent> {
  const events: MeridianEvent[] = [];
  let rejected = 0;
  for (const file of files) {
    for await (const line of readEventLog(file)) {
      if (line.result.ok) events.push(line.result.event);
      else rejected++;
    }
  }
  if (rejected > 0) logger.warn('invalid lines skipped (meridian replay --rejected lists them)', { rejected });
  // Logs are not always in event-time order; sequences must be.
  events.sort(compareEvents);
  yield* events;
}

async function load(config: Readonly<Config>, flags: TrainFlags, deps: TrainDeps): Promise<TrainingData> {
  if (flags.lines.length > 0) {
    const files = flags.lines;
    return linesTrainingData((async function* () {
      for (const f of files) yield* readLineSequences(f);
    })());
  }
  if (flags.logs.length > 0) return collectTrainingData(fileEvents(flags.logs, deps.logger), { tenant: flags.tenant });
  const store = deps.eventStore ?? (await openEventStore(config.eventStore, { logger: deps.logger.child('eventstore'), instrumentation: createInstrumentation() }));
  try {
    return await collectTrainingData(store.scan(flags.tenant === undefined ? {} : { tenant: flags.tenant }), { tenant: flags.tenant });
  } finally {
    if (deps.eventStore === undefined) await store.close();
  }
}

const secs = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

/** The training options the flags ask for (unset flags keep the trainer's defaults). */
export function trainOptions(config: Readonly<Config>, flags: TrainFlags): Partial<TrainOptions> {
  const o: Partial<TrainOptions> = { dim: flags.dim ?? config.index.dim, evaluate: flags.evaluate, encoderFit: flags.encoder, perMarket: flags.perMarket };
  const set = <K extends keyof TrainOptions>(k: K, v: TrainOptions[K] | undefined): void => {
    if (v !== undefined) o[k] = v;
  };
  set('epochs', flags.epochs);
  set('seed', flags.seed);
  set('finetuneEpochs', flags.finetune);
  set('finetuneOn', flags.finetuneOn);
  set('marketEpochs', flags.marketEpochs);
  set('minMarketCases', flags.minMarketCases);
  set('augment', flags.augment);
  set('adversarial', flags.adversarial);
  set('adversarialWeight', flags.adversarialWeight);
  set('halfLifeMs', flags.halfLife);
  return o;
}

/** One run: read, train, evaluate, publish and activate. */
export async function trainOnce(config: Readonly<Config>, flags: TrainFlags, deps: TrainDeps & { registry: ModelRegistry }): Promise<ModelManifest> {
  const progress = deps.progress ?? ((l: string) => process.stderr.write(l + '\n'));
  const t0 = performance.now();
  progress('train: item embeddings by item2vec in TypeScript on Float32Array (CPU)');
  const data = await load(config, flags, deps);
  progress(`train: ${data.sequences.length} shoppers, ${data.itemIds.length} items, ${data.range.events} events read in ${secs(performance.now() - t0)}`);
  const options = trainOptions(config, flags);
  if (options.augment !== undefined) progress(`train: augmentation ${formatAugment(options.augment)}, ${options.augment.copies} view(s) per sequence per epoch`);
  if ((options.adversarial ?? 0) > 0) progress(`train: adversarial training, FGSM radius ${options.adversarial}`);
  if (flags.tune) progress('train: the serving blend (sequence model parameters, learned weight and cut) is tuned on validation first; --no-tune skips it');
  const artifact = await trainModel(
    data,
    options,
    {
      onEpoch: (phase, p) => progress(`train: ${phase} epoch ${p.epoch}/${p.epochs} loss ${p.loss.toFixed(4)} (${secs(p.ms)}, ETA ${secs(p.etaMs)})`),
      onBackend: (backend) => progress(`train: user encoder fitted with @tensorflow/tfjs on the ${backend} backend`),
      onEncoderStep: (phase, step, steps, loss) => progress(`train: ${phase} step ${step}/${steps} loss ${loss.toFixed(4)}`),
      onNote: (phase, message) => progress(`train: ${phase}: ${message}`),
    },
    flags.tune ? { logger: deps.logger.child('tune'), ...(flags.tuneCases === undefined ? {} : { tuneCases: flags.tuneCases }) } : undefined,
  );
  const tuning = artifact.metrics.tuning as TuningMetrics | undefined;
  if (tuning !== undefined) {
    progress(`train: serving blend tuned on ${tuning.cases} validation cases in ${tuning.seconds.toFixed(1)}s: NDCG@10 ${tuning.tuned.toFixed(4)} tuned vs ${tuning.defaults.toFixed(4)} defaults (${tuning.published} published), learned weight ${tuning.learned.weight} cut ${tuning.learned.cut}`);
  }
  artifact.config = { ...artifact.config, source: flags.fromStore ? config.eventStore : [...flags.logs, ...flags.lines], tenant: flags.tenant ?? null };
  const manifest = await deps.registry.publish(artifact);
  await deps.registry.activate(manifest.version);
  return manifest;
}

function summary(m: ModelManifest, ms: number): string {
  type M = { hr10: number; ndcg10: number };
  const h = m.metrics.holdout as { cases: number; model: M; perMarket?: M; popularity: M; builtIn: M } | undefined;
  const fmt = (x: M): string => `HR@10 ${x.hr10.toFixed(4)} NDCG@10 ${x.ndcg10.toFixed(4)}`;
  const perMarket = h?.perMarket === undefined ? '' : `; with per-market vectors ${fmt(h.perMarket)}`;
  const quality = h === undefined ? '' : ` | held-out last item (${h.cases} shoppers): model ${fmt(h.model)}${perMarket}; popularity ${fmt(h.popularity)}; built-in content ${fmt(h.builtIn)}`;
  const markets = (m.metrics.markets as string[] | undefined) ?? [];
  const tables = markets.length === 0 ? '' : `, per-market vectors for ${markets.join(', ')}`;
  const t = m.metrics.tuning as TuningMetrics | undefined;
  const tuned = t === undefined ? '' : ` | serving blend on validation NDCG@10: tuned ${t.tuned.toFixed(4)}, defaults ${t.defaults.toFixed(4)} (${t.published} published)`;
  return `model ${m.version} published and active: ${m.items} items, dim ${m.dim}${tables}, ${secs(ms)}${quality}${tuned}`;
}

/** Waits `ms` or until `signal` aborts; resolves false when aborted. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const t = setTimeout(() => resolve(true), ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve(false);
    }, { once: true });
  });
}

/** `meridian train`: once, or every `--every` until a signal. Returns the exit code. */
export async function trainAndPublish(flags: TrainFlags, deps: TrainDeps): Promise<number> {
  const config = loadConfig({ env: deps.env ?? process.env, file: flags.config });
  const registry = deps.registry ?? createModelRegistry({ dir: config.modelDir, logger: deps.logger.child('registry') });
  const out = deps.out ?? ((l: string) => process.stdout.write(l + '\n'));
  const runOnce = async (): Promise<void> => {
    const t0 = performance.now();
    out(summary(await trainOnce(config, flags, { ...deps, registry }), performance.now() - t0));
  };
  if (flags.every === undefined) {
    await runOnce();
    return 0;
  }
  const controller = new AbortController();
  const signal = deps.signal ?? controller.signal;
  const stop = (): void => controller.abort();
  if (deps.signal === undefined) {
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  }
  try {
    do {
      try {
        await runOnce();
      } catch (e) {
        // A failed scheduled run keeps the active version and tries again at the next tick.
        deps.logger.error('training run failed', { err: e });
      }
      deps.logger.info('next training run', { inMs: flags.every });
    } while (await sleep(flags.every, signal));
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  return 0;
}
