import { mkdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { badRequest, type Logger } from '../../core/index.ts';
import { formatAblation, summarizeSeeds, type SeedSummary } from './ablation.ts';
import { parseAugment } from '../../models/index.ts';
import { evaluateData, type EvaluationRun } from './evaluate.ts';
import { DEFAULT_LEARNED_EVAL, type LearnedEvalOptions } from './learned.ts';
import { LEARNED_PARTS, type LearnedPart } from '../train/learned.ts';
import { LINE_STEP_MS } from '../../models/index.ts';
import type { MetricAccumulator } from './metrics.ts';
import { loadLines, loadSessions, type LoadedData } from './protocol.ts';
import { publishedFor } from './published.ts';
import { curveSvg, formatMarkdown, formatTable, METRIC_LABELS, type EvaluateReport, type LearnedReport } from './report.ts';

export interface EvaluateDeps {
  logger: Logger;
  /** Where the table or the JSON goes (stdout in the CLI). */
  write: (text: string) => void;
}

export const EVALUATE_USAGE = `usage: meridian evaluate --data <path> --format lines|sessions [--seed N | --seeds 1,2,3] [--json] [--out dir]
                         [--learned pretrain,finetune,augment,adversarial | --learned none] [--ablation]
  --data              lines: a file of "user item1 item2 …"; sessions: a folder with train_sessions.jsonl and
                      test.jsonl (or the path of train_sessions.jsonl)
  --seed              seed of the validation sample and of training (default 1)
  --seeds             several seeds, one run each: the JSON's engine and baselines are their means,
                      runs holds each; with --ablation, the ablation rows are run on the first seed only
  --json              print one JSON object instead of the table
  --out               also write <dataset>-evaluation.md and <dataset>-training-curve.svg there (and
                      <dataset>-ablation.md with --ablation)
  --tune-cases        validation cases sampled for tuning (default 8000)
  --quick             smaller tuning grids (smoke runs)
  --learned           parts of the learned component (line format): pretrain (item2vec), finetune
                      (next-item through the user encoder), augment, adversarial; none: statistics only
                      (default: all four)
  --ablation          evaluate each prefix of --learned too: pretrain only, + fine-tune, + augmentation, …
  --augment           augmentation of the augment part (default crop=0.6,mask=0.3,reorder=0.3)
  --adversarial       FGSM radius of the adversarial part (default ${DEFAULT_LEARNED_EVAL.adversarial})
  --learned-encoder   tfjs (fit the user encoder's half-life, default) or fixed (keep --half-life)
  --half-life         user-encoder half-life in steps, the start of the fit (default 2)`;

const PROTOCOLS = {
  lines: 'leave-one-out (last item test, second-to-last validation), full ranking over all items, the user\'s history excluded, ties share the middle rank',
  sessions: 'next item of every test prefix, full ranking over all items, prefix items not excluded (as SR-GNN / GCE-GNN), validation on the latest 10% of training sessions, ties share the middle rank',
} as const;

interface Args {
  data: string;
  format: 'lines' | 'sessions';
  seed: number;
  json: boolean;
  out: string | undefined;
  tuneCases: number;
  quick: boolean;
  seeds: number[];
  learned: LearnedEvalOptions;
}

function parseParts(v: string): LearnedPart[] {
  if (v === 'none') return [];
  const parts = v.split(',').map((p) => p.trim()).filter((p) => p !== '');
  for (const p of parts) if (!LEARNED_PARTS.includes(p as LearnedPart)) throw badRequest('evaluate_option_invalid', `--learned: unknown part "${p}" (${LEARNED_PARTS.join(', ')} or none)`, 'learned');
  if (parts[0] !== 'pretrain') throw badRequest('evaluate_option_invalid', '--learned: every configuration starts with pretrain (the item vectors the other parts refine)', 'learned');
  return LEARNED_PARTS.filter((p) => parts.includes(p));
}

function number(flag: string, v: string, ok: (n: number) => boolean, what: string): number {
  const n = Number(v);
  if (!ok(n)) throw badRequest('evaluate_option_invalid', `--${flag} must be ${what}, got ${v}`, flag);
  return n;
}

function learnedOptions(v: Record<string, string | boolean | undefined>): LearnedEvalOptions {
  const encoder = v['learned-encoder'];
  if (encoder !== undefined && encoder !== 'tfjs' && encoder !== 'fixed') throw badRequest('evaluate_option_invalid', `--learned-encoder must be tfjs or fixed, got ${String(encoder)}`, 'learned-encoder');
  const train = { ...DEFAULT_LEARNED_EVAL.train };
  if (encoder !== undefined) train.encoderFit = encoder;
  if (typeof v['half-life'] === 'string') train.halfLifeMs = number('half-life', v['half-life'], (n) => n > 0, 'a positive number of steps') * LINE_STEP_MS;
  return {
    ...DEFAULT_LEARNED_EVAL,
    parts: typeof v.learned === 'string' ? parseParts(v.learned) : DEFAULT_LEARNED_EVAL.parts,
    ablation: v.ablation === true,
    train,
    augment: typeof v.augment === 'string' ? parseAugment(v.augment) : DEFAULT_LEARNED_EVAL.augment,
    adversarial: typeof v.adversarial === 'string' ? number('adversarial', v.adversarial, (n) => n > 0, 'a positive radius') : DEFAULT_LEARNED_EVAL.adversarial,
  };
}

function parse(argv: readonly string[]): Args {
  let v;
  try {
    v = parseArgs({
      args: [...argv],
      options: {
        data: { type: 'string' },
        format: { type: 'string' },
        seed: { type: 'string', default: '1' },
        json: { type: 'boolean', default: false },
        out: { type: 'string' },
        'tune-cases': { type: 'string', default: '8000' },
        quick: { type: 'boolean', default: false },
        seeds: { type: 'string' },
        learned: { type: 'string' },
        ablation: { type: 'boolean', default: false },
        augment: { type: 'string' },
        adversarial: { type: 'string' },
        'learned-encoder': { type: 'string' },
        'half-life': { type: 'string' },
      },
      strict: true,
    }).values;
  } catch (e) {
    throw badRequest('evaluate_option_invalid', `${(e as Error).message}\n${EVALUATE_USAGE}`);
  }
  if (v.data === undefined) throw badRequest('evaluate_option_invalid', `--data is required\n${EVALUATE_USAGE}`, 'data');
  if (v.format !== 'lines' && v.format !== 'sessions') throw badRequest('evaluate_option_invalid', `--format must be lines or sessions\n${EVALUATE_USAGE}`, 'format');
  const seed = Number(v.seed);
  const tuneCases = Number(v['tune-cases']);
  if (!Number.isInteger(seed)) throw badRequest('evaluate_option_invalid', `--seed must be an integer, got ${v.seed}`, 'seed');
  if (!Number.isInteger(tuneCases) || tuneCases < 1) throw badRequest('evaluate_option_invalid', `--tune-cases must be a positive integer`, 'tune-cases');
  const seeds = v.seeds === undefined ? [seed] : v.seeds.split(',').map((x) => number('seeds', x, Number.isInteger, 'a list of integers'));
  if (v.ablation && v.learned === 'none') throw badRequest('evaluate_option_invalid', '--ablation needs a learned component (not --learned none)', 'ablation');
  return { data: v.data, format: v.format, seed: seeds[0] as number, json: v.json, out: v.out, tuneCases, quick: v.quick, seeds, learned: learnedOptions(v) };
}

/** Dataset name from the path: beauty.txt → beauty; a sessions folder or its train file → the folder. */
export function datasetName(path: string, format: 'lines' | 'sessions'): string {
  const base = basename(path);
  if (format === 'sessions' && base.endsWith('.jsonl')) return basename(dirname(path));
  return base.replace(/\.[^.]+$/, '');
}

async function load(a: Args): Promise<LoadedData> {
  const isDir = await stat(a.data).then((s) => s.isDirectory(), () => {
    throw badRequest('evaluate_option_invalid', `--data ${a.data} does not exist`, 'data');
  });
  if (a.format === 'lines') return loadLines(a.data);
  const dir = isDir ? a.data : dirname(a.data);
  return loadSessions(isDir ? join(dir, 'train_sessions.jsonl') : a.data, join(dir, 'test.jsonl'));
}

function metrics(m: MetricAccumulator, format: 'lines' | 'sessions'): Record<string, number> {
  return format === 'lines' ? { ...m.sequential() } : { ...m.session() };
}

function learnedReport(run: EvaluationRun, format: 'lines' | 'sessions'): LearnedReport | undefined {
  if (run.learned === undefined || run.statistics === undefined) return undefined;
  return {
    statisticsValidation: run.validation.statistics ?? run.validation.engine,
    rows: run.learned.map((r) => ({ ...r, test: metrics(r.test, format) })),
  };
}

export function toReport(dataset: string, format: 'lines' | 'sessions', seed: number, run: EvaluationRun): EvaluateReport {
  const published: EvaluateReport['published'] = {};
  for (const row of publishedFor(dataset)) published[row.model] = row.metrics;
  const learned = learnedReport(run, format);
  return {
    dataset,
    format,
    protocol: PROTOCOLS[format],
    engine: metrics(run.engine.test, format),
    ...(run.statistics === undefined ? {} : { statistics: metrics(run.statistics.test, format) }),
    ...(learned === undefined ? {} : { learned }),
    baselines: Object.fromEntries(Object.entries(run.baselines).map(([k, v]) => [k, metrics(v.test, format)])),
    published,
    seed,
    trainSeconds: run.trainSeconds,
    trainCpuSeconds: run.trainCpuSeconds,
    evalSeconds: run.evalSeconds,
    testCases: run.testCases,
    validation: run.validation,
    params: JSON.parse(JSON.stringify(run.engine.params)) as unknown,
    curve: run.curve,
  };
}

/** The report of several seeds: means in `engine` and `baselines`, each run in `runs`, spreads in `seeds`. */
export interface MultiSeedReport extends EvaluateReport {
  runs: EvaluateReport[];
  seeds: SeedSummary;
}

function meanOf(reports: readonly EvaluateReport[], pick: (r: EvaluateReport) => Record<string, number> | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  const rows = reports.map(pick).filter((x): x is Record<string, number> => x !== undefined);
  for (const k of Object.keys(rows[0] ?? {})) out[k] = rows.reduce((a, r) => a + (r[k] ?? 0), 0) / rows.length;
  return out;
}

function combine(reports: EvaluateReport[]): MultiSeedReport {
  const first = reports[0] as EvaluateReport;
  const baselines: Record<string, Record<string, number>> = {};
  for (const name of Object.keys(first.baselines)) baselines[name] = meanOf(reports, (r) => r.baselines[name]);
  return {
    ...first,
    engine: meanOf(reports, (r) => r.engine),
    ...(first.statistics === undefined ? {} : { statistics: meanOf(reports, (r) => r.statistics) }),
    baselines,
    runs: reports.map((r) => ({ ...r, curve: [] })),
    seeds: summarizeSeeds(reports),
  };
}

function seedsLine(r: MultiSeedReport): string {
  const k = r.validation.objective;
  const label = METRIC_LABELS[k] ?? k;
  const e = r.seeds.engine[k];
  const b = r.seeds.bestBaseline[k];
  const f = (x: number): string => x.toFixed(4);
  return `seeds ${r.seeds.seeds.join(', ')}: engine ${label} ${e === undefined ? '–' : `${f(e.mean)} ± ${f(e.sd)} (${f(e.min)}–${f(e.max)})`}, best baseline ${b === undefined ? '–' : f(b.mean)}, gain per seed ${r.seeds.gainPercent.map((g) => `${g.toFixed(1)}%`).join(', ')}`;
}

/** `meridian evaluate`: tunes on validation, evaluates once on test, prints a table or JSON. */
export async function runEvaluate(argv: readonly string[], deps: EvaluateDeps): Promise<EvaluateReport> {
  const a = parse(argv);
  const log = deps.logger.child('evaluate');
  const dataset = datasetName(a.data, a.format);
  const data = await load(a);
  log.info('data loaded', { dataset, sequences: data.sequences.length, items: data.numItems, tests: data.tests.length });
  const reports: EvaluateReport[] = [];
  let firstRun: EvaluationRun | undefined;
  for (const [i, seed] of a.seeds.entries()) {
    // The ablation's rows on the first seed; the full configuration alone on the others.
    const learned = { ...a.learned, ablation: a.learned.ablation && i === 0 };
    const run = await evaluateData(data, { seed, logger: log, tuneCases: a.tuneCases, quick: a.quick, learned });
    firstRun ??= run;
    reports.push(toReport(dataset, a.format, seed, run));
  }
  const report: EvaluateReport = reports.length > 1 ? combine(reports) : (reports[0] as EvaluateReport);
  const text = reports.length > 1 ? [...reports.map(formatTable), seedsLine(report as MultiSeedReport)].join('\n\n') : formatTable(report);
  deps.write(a.json ? JSON.stringify(report) + '\n' : text + '\n');
  if (a.out !== undefined && firstRun !== undefined) {
    await mkdir(a.out, { recursive: true });
    const svg = `${dataset}-training-curve.svg`;
    const label = `validation ${METRIC_LABELS[firstRun.validation.objective] ?? firstRun.validation.objective}`;
    await writeFile(join(a.out, svg), curveSvg(firstRun.curve, `${dataset}: ${label} per tuning step`, label));
    await writeFile(join(a.out, `${dataset}-evaluation.md`), formatMarkdown(reports[0] as EvaluateReport, svg));
    if (a.learned.ablation) await writeFile(join(a.out, `${dataset}-ablation.md`), formatAblation(reports, `meridian evaluate ${argv.join(' ')}`));
  }
  return report;
}
