import { DEFAULT_TRAIN, DEFAULT_TRAIN_TUNE } from '../batch/index.ts';
import { parseAugment } from '../models/index.ts';
import { trainAndPublish, type TrainDeps, type TrainFlags } from '../main/index.ts';
import { printer, type Command } from './command.ts';
import { defineFlags, duration, fail, integer, number, oneOf, parseFlags, parseValue, type FlagOwner } from './flags.ts';

const OWNER: FlagOwner = { name: 'train', code: 'cli_flag_invalid' };

export const TRAIN_FLAGS = defineFlags({
  'from-store': { type: 'boolean', help: 'read the configured event store (the source when neither --log nor --lines is given)' },
  log: { type: 'string', arg: 'FILE', multiple: true, help: 'an event log (NDJSON, CSV, gzip), as meridian replay reads it' },
  lines: { type: 'string', arg: 'FILE', multiple: true, help: 'a file of "user item1 item2 …" sequences' },
  tenant: { type: 'string', arg: 'T', help: "train on this tenant's events only", absent: 'every tenant' },
  epochs: { type: 'string', arg: 'N', parse: integer(1), help: 'pretraining epochs (item2vec on every market)', absent: String(DEFAULT_TRAIN.epochs) },
  dim: { type: 'string', arg: 'N', parse: integer(8), help: 'dimension of the item vectors', absent: "the config's index.dim" },
  seed: { type: 'string', arg: 'N', parse: integer(0), help: 'seed of the training run', absent: String(DEFAULT_TRAIN.seed) },
  every: { type: 'string', arg: 'DURATION', parse: duration, help: 'train again this often (90s, 30m, 6h, 1d) until SIGINT or SIGTERM', absent: 'once' },
  encoder: { type: 'string', arg: 'tfjs|fixed', parse: oneOf('tfjs', 'fixed'), default: 'tfjs', help: "fit the user encoder with tfjs, or keep its built-in parameters" },
  'half-life': { type: 'string', arg: 'DURATION', parse: duration, help: "the user encoder's half-life: its value when fixed, the start of its fit otherwise", absent: `${DEFAULT_TRAIN.halfLifeMs / 60_000}m` },
  finetune: { type: 'string', arg: 'N', parse: integer(0), help: 'epochs of the next-item fine-tune through the user encoder (0: none)', absent: String(DEFAULT_TRAIN.finetuneEpochs) },
  'finetune-on': { type: 'string', arg: 'purchases|all', parse: oneOf('purchases', 'all'), help: 'targets of the fine-tune: carts and purchases, or every next item', absent: DEFAULT_TRAIN.finetuneOn },
  'per-market': { type: 'boolean', help: 'one more fine-tune per market, starting from the all-market vectors' },
  'market-epochs': { type: 'string', arg: 'N', parse: integer(1), help: 'epochs of each per-market fine-tune', absent: String(DEFAULT_TRAIN.marketEpochs) },
  'min-market-cases': { type: 'string', arg: 'N', parse: integer(1), help: 'markets with fewer target cases keep the all-market vectors', absent: String(DEFAULT_TRAIN.minMarketCases) },
  augment: { type: 'string', arg: 'SPEC', help: 'sequence augmentation: crop, mask, reorder, each with an optional rate (mask=0.2)', absent: 'off' },
  'augment-copies': { type: 'string', arg: 'N', parse: integer(1), default: '1', help: 'augmented views per sequence per epoch' },
  adversarial: { type: 'string', arg: 'EPS', parse: number('a number >= 0', (n) => Number.isFinite(n) && n >= 0), help: 'FGSM radius of adversarial training (0: off)', absent: String(DEFAULT_TRAIN.adversarial) },
  'adversarial-weight': { type: 'string', arg: 'W', parse: number('a number > 0', (n) => Number.isFinite(n) && n > 0), help: 'weight of the adversarial loss', absent: String(DEFAULT_TRAIN.adversarialWeight) },
  'no-eval': { type: 'boolean', help: "skip the held-out run (each shopper's last item) before training on everything" },
  'no-tune': { type: 'boolean', help: 'skip tuning the serving blend on validation (serving keeps its defaults)' },
  'tune-cases': { type: 'string', arg: 'N', parse: integer(1), help: 'validation cases the tuning samples', absent: String(DEFAULT_TRAIN_TUNE.tuneCases) },
  config: { type: 'string', arg: 'FILE', help: 'JSON configuration file', absent: 'MERIDIAN_CONFIG' },
});

/** Parses `meridian train` flags; unknown flags, bad values and conflicting sources fail naming the flag. */
export function parseTrainFlags(argv: readonly string[]): TrainFlags {
  const { values: v } = parseFlags(OWNER, TRAIN_FLAGS, argv);
  const augmentSpec = v.augment;
  const f: TrainFlags = {
    fromStore: v['from-store'],
    logs: v.log,
    lines: v.lines,
    tenant: v.tenant,
    epochs: v.epochs,
    dim: v.dim,
    seed: v.seed,
    every: v.every,
    evaluate: !v['no-eval'],
    encoder: v.encoder,
    config: v.config,
    finetune: v.finetune,
    finetuneOn: v['finetune-on'],
    perMarket: v['per-market'],
    marketEpochs: v['market-epochs'],
    minMarketCases: v['min-market-cases'],
    augment: augmentSpec === undefined ? undefined : parseValue(OWNER, '--augment', augmentSpec, (s) => parseAugment(s, v['augment-copies'])),
    adversarial: v.adversarial,
    adversarialWeight: v['adversarial-weight'],
    halfLife: v['half-life'],
    tune: !v['no-tune'],
    tuneCases: v['tune-cases'],
  };
  if (f.perMarket && f.finetune === 0) fail(OWNER, '--per-market', 'the per-market fine-tune starts from the all-market fine-tune: it needs --finetune > 0');
  const sources = (f.fromStore ? 1 : 0) + (f.logs.length > 0 ? 1 : 0) + (f.lines.length > 0 ? 1 : 0);
  if (sources > 1) fail(OWNER, '--from-store', 'give one source: --from-store, --log files or --lines files');
  if (sources === 0) f.fromStore = true;
  return f;
}

/** `meridian train` from its command line: the flags, then the role. */
export async function runTrain(argv: readonly string[], deps: TrainDeps): Promise<number> {
  return trainAndPublish(parseTrainFlags(argv), deps);
}

export const trainCommand: Command = {
  ...OWNER,
  summary: 'trains item embeddings, the user encoder and the cold-start content map; publishes and activates a model version',
  usage: '[--from-store | --log FILE… | --lines FILE…] [flags]',
  about:
    'Reads the event store (or event logs, or sequence files), pretrains on every market, fine-tunes, measures the held-out last ' +
    'item of each shopper, tunes the serving blend on validation, then publishes and activates a version in the registry. ' +
    'Progress (epoch, loss, ETA) goes to stderr, the summary to stdout.',
  flags: TRAIN_FLAGS,
  examples: ['meridian train --lines beauty.txt --finetune 4 --augment crop,mask,reorder --adversarial 0.1', 'meridian train --from-store --per-market --every 6h'],
  run: (argv, io) => runTrain(argv, { logger: io.logger, env: io.env, out: printer(io), progress: (line) => io.stderr(line + '\n') }),
};
