import { DEFAULT_LEARNED_EVAL, LEARNED_PARTS, runEvaluation, type EvaluateDeps, type EvaluateOptions, type EvaluateReport, type LearnedEvalOptions, type LearnedPart } from '../batch/index.ts';
import { isMeridianError } from '../core/index.ts';
import { formatAugment, LINE_STEP_MS, parseAugment } from '../models/index.ts';
import type { Command } from './command.ts';
import { defineFlags, fail, integer, list, number, oneOf, parseFlags, type FlagOwner, type FlagValues } from './flags.ts';

const OWNER: FlagOwner = { name: 'evaluate', code: 'cli_flag_invalid' };

/** `pretrain,finetune` → the parts in their order; `none` → statistics only. */
function learnedParts(text: string): LearnedPart[] {
  if (text === 'none') return [];
  const parts = text.split(',').map((p) => p.trim()).filter((p) => p !== '');
  for (const p of parts) if (!LEARNED_PARTS.includes(p as LearnedPart)) throw new Error(`unknown part "${p}" (${LEARNED_PARTS.join(', ')} or none)`);
  if (parts[0] !== 'pretrain') throw new Error('every configuration starts with pretrain (the item vectors the other parts refine)');
  return LEARNED_PARTS.filter((p) => parts.includes(p));
}

export const EVALUATE_FLAGS = defineFlags({
  data: { type: 'string', arg: 'PATH', help: 'lines: a file of "user item1 item2 …"; sessions: a folder with train_sessions.jsonl and test.jsonl (or the path of train_sessions.jsonl)', required: true },
  format: { type: 'string', arg: 'lines|sessions', parse: oneOf('lines', 'sessions'), help: 'the dataset format, and with it the protocol', required: true },
  seed: { type: 'string', arg: 'N', parse: integer(), default: '1', help: 'seed of the validation sample and of training' },
  seeds: { type: 'string', arg: 'N,N…', parse: list(integer()), help: "several seeds, one run each: the JSON's engine and baselines are their means, runs holds each (the ablation runs on the first)" },
  json: { type: 'boolean', help: 'print one JSON object instead of the table' },
  out: { type: 'string', arg: 'DIR', help: 'also write <dataset>-evaluation.md and <dataset>-training-curve.svg there (and <dataset>-ablation.md with --ablation)' },
  'tune-cases': { type: 'string', arg: 'N', parse: integer(1), default: '8000', help: 'validation cases sampled for tuning' },
  quick: { type: 'boolean', help: 'smaller tuning grids (smoke runs)' },
  learned: { type: 'string', arg: 'PARTS', parse: learnedParts, help: 'parts of the learned component (line format): pretrain, finetune, augment, adversarial; none: statistics only', absent: LEARNED_PARTS.join(',') },
  ablation: { type: 'boolean', help: 'evaluate each prefix of --learned too: pretrain only, + fine-tune, + augmentation, …' },
  augment: { type: 'string', arg: 'SPEC', parse: (text: string) => parseAugment(text), help: 'augmentation of the augment part', absent: formatAugment(DEFAULT_LEARNED_EVAL.augment) },
  adversarial: { type: 'string', arg: 'EPS', parse: number('a positive radius', (n) => n > 0), help: 'FGSM radius of the adversarial part', absent: String(DEFAULT_LEARNED_EVAL.adversarial) },
  'learned-encoder': { type: 'string', arg: 'tfjs|fixed', parse: oneOf('tfjs', 'fixed'), help: "fit the user encoder's half-life, or keep --half-life", absent: DEFAULT_LEARNED_EVAL.train.encoderFit ?? 'tfjs' },
  'half-life': { type: 'string', arg: 'STEPS', parse: number('a positive number of steps', (n) => n > 0), help: 'user-encoder half-life in steps, the start of the fit', absent: String((DEFAULT_LEARNED_EVAL.train.halfLifeMs ?? 0) / LINE_STEP_MS) },
});

function learnedOptions(v: FlagValues<typeof EVALUATE_FLAGS>): LearnedEvalOptions {
  const train = { ...DEFAULT_LEARNED_EVAL.train };
  if (v['learned-encoder'] !== undefined) train.encoderFit = v['learned-encoder'];
  if (v['half-life'] !== undefined) train.halfLifeMs = v['half-life'] * LINE_STEP_MS;
  return {
    ...DEFAULT_LEARNED_EVAL,
    parts: v.learned ?? DEFAULT_LEARNED_EVAL.parts,
    ablation: v.ablation,
    train,
    augment: v.augment ?? DEFAULT_LEARNED_EVAL.augment,
    adversarial: v.adversarial ?? DEFAULT_LEARNED_EVAL.adversarial,
  };
}

/** Parses `meridian evaluate` flags; unknown flags, bad values and missing ones fail naming the flag. */
export function parseEvaluateFlags(argv: readonly string[]): EvaluateOptions {
  const { values: v } = parseFlags(OWNER, EVALUATE_FLAGS, argv);
  if (v.ablation && v.learned?.length === 0) fail(OWNER, '--ablation', 'needs a learned component (not --learned none)');
  const seeds = v.seeds ?? [v.seed];
  const { data, format, json, out, quick } = v;
  return { data, format, json, out, tuneCases: v['tune-cases'], quick, seeds, learned: learnedOptions(v), commandLine: `meridian evaluate ${argv.join(' ')}` };
}

/** `meridian evaluate` from its command line: the flags, then the evaluation. */
export async function runEvaluate(argv: readonly string[], deps: EvaluateDeps): Promise<EvaluateReport> {
  return runEvaluation(parseEvaluateFlags(argv), deps);
}

export const evaluateCommand: Command = {
  ...OWNER,
  summary: 'offline quality with the standard protocols, beside built-in and published baselines',
  usage: '--data PATH --format lines|sessions [flags]',
  about:
    'Tunes on validation, evaluates once on test, and prints a table (or JSON) of the engine beside the built-in baselines ' +
    'and the published numbers. lines: leave-one-out, full ranking, history excluded; sessions: next item of every test prefix, ' +
    'full ranking (as SR-GNN / GCE-GNN). The same seed gives the same numbers.',
  flags: EVALUATE_FLAGS,
  examples: ['meridian evaluate --data beauty.txt --format lines --out eval/', 'meridian evaluate --data diginetica --format sessions --seeds 1,2,3 --json'],
  async run(argv, io) {
    try {
      await runEvaluate(argv, { logger: io.logger, write: io.stdout });
      return 0;
    } catch (e) {
      // A dataset that is not there is a command-line mistake too.
      if (isMeridianError(e) && e.code === 'cli_flag_invalid') {
        io.stderr(e.message.startsWith('meridian evaluate:') ? `${e.message}\n` : `meridian evaluate: ${e.message}\n`);
        return 2;
      }
      throw e;
    }
  },
};
