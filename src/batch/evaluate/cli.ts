import { mkdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { badRequest, type Logger } from '../../core/index.ts';
import { formatAblation, summarizeSeeds, type SeedSummary } from './ablation.ts';
import { evaluateData, type EvaluationRun } from './evaluate.ts';
import type { LearnedEvalOptions } from './learned.ts';
import type { MetricAccumulator } from './metrics.ts';
import { loadLines, loadSessions, type LoadedData } from './protocol.ts';
import { publishedFor } from './published.ts';
import { curveSvg, formatMarkdown, formatTable, METRIC_LABELS, type EvaluateReport, type LearnedReport } from './report.ts';

export interface EvaluateDeps {
  logger: Logger;
  /** Where the table or the JSON goes (stdout in the CLI). */
  write: (text: string) => void;
}

const PROTOCOLS = {
  lines: 'leave-one-out (last item test, second-to-last validation), full ranking over all items, the user\'s history excluded, ties share the middle rank',
  sessions: 'next item of every test prefix, full ranking over all items, prefix items not excluded (as SR-GNN / GCE-GNN), validation on the latest 10% of training sessions, ties share the middle rank',
} as const;

/** What `meridian evaluate` runs: its flags, parsed and checked (src/cli/evaluate.ts). */
export interface EvaluateOptions {
  data: string;
  format: 'lines' | 'sessions';
  json: boolean;
  out: string | undefined;
  tuneCases: number;
  quick: boolean;
  /** One run each; the report's engine and baselines are their means when there are several. */
  seeds: number[];
  learned: LearnedEvalOptions;
  /** The command line, quoted in the ablation's markdown. */
  commandLine: string;
}

/** Dataset name from the path: beauty.txt → beauty; a sessions folder or its train file → the folder. */
export function datasetName(path: string, format: 'lines' | 'sessions'): string {
  const base = basename(path);
  if (format === 'sessions' && base.endsWith('.jsonl')) return basename(dirname(path));
  return base.replace(/\.[^.]+$/, '');
}

async function load(a: EvaluateOptions): Promise<LoadedData> {
  const isDir = await stat(a.data).then((s) => s.isDirectory(), () => {
    throw badRequest('cli_flag_invalid', `--data ${a.data} does not exist`, 'data');
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
export async function runEvaluation(a: EvaluateOptions, deps: EvaluateDeps): Promise<EvaluateReport> {
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
    if (a.learned.ablation) await writeFile(join(a.out, `${dataset}-ablation.md`), formatAblation(reports, a.commandLine));
  }
  return report;
}
