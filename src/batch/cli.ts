import { mkdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { badRequest, type Logger } from '../core/index.ts';
import { evaluateData, type EvaluationRun } from './evaluate.ts';
import type { MetricAccumulator } from './metrics.ts';
import { loadLines, loadSessions, type LoadedData } from './protocol.ts';
import { publishedFor } from './published.ts';
import { curveSvg, formatMarkdown, formatTable, METRIC_LABELS, type EvaluateReport } from './report.ts';

export interface EvaluateDeps {
  logger: Logger;
  /** Where the table or the JSON goes (stdout in the CLI). */
  write: (text: string) => void;
}

export const EVALUATE_USAGE = `usage: meridian evaluate --data <path> --format lines|sessions [--seed N] [--json] [--out dir]
  --data        lines: a file of "user item1 item2 …"; sessions: a folder with train_sessions.jsonl and
                test.jsonl (or the path of train_sessions.jsonl)
  --seed        seed of the validation sample (default 1)
  --json        print one JSON object instead of the table
  --out         also write <dataset>-evaluation.md and <dataset>-training-curve.svg there
  --tune-cases  validation cases sampled for tuning (default 8000)
  --quick       smaller tuning grids (smoke runs)`;

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
      },
      strict: true,
    }).values;
  } catch (e) {
    throw badRequest('EVAL_BAD_ARGS', `${(e as Error).message}\n${EVALUATE_USAGE}`);
  }
  if (v.data === undefined) throw badRequest('EVAL_BAD_ARGS', `--data is required\n${EVALUATE_USAGE}`, 'data');
  if (v.format !== 'lines' && v.format !== 'sessions') throw badRequest('EVAL_BAD_ARGS', `--format must be lines or sessions\n${EVALUATE_USAGE}`, 'format');
  const seed = Number(v.seed);
  const tuneCases = Number(v['tune-cases']);
  if (!Number.isInteger(seed)) throw badRequest('EVAL_BAD_ARGS', `--seed must be an integer, got ${v.seed}`, 'seed');
  if (!Number.isInteger(tuneCases) || tuneCases < 1) throw badRequest('EVAL_BAD_ARGS', `--tune-cases must be a positive integer`, 'tune-cases');
  return { data: v.data, format: v.format, seed, json: v.json, out: v.out, tuneCases, quick: v.quick };
}

/** Dataset name from the path: beauty.txt → beauty; a sessions folder or its train file → the folder. */
export function datasetName(path: string, format: 'lines' | 'sessions'): string {
  const base = basename(path);
  if (format === 'sessions' && base.endsWith('.jsonl')) return basename(dirname(path));
  return base.replace(/\.[^.]+$/, '');
}

async function load(a: Args): Promise<LoadedData> {
  const isDir = await stat(a.data).then((s) => s.isDirectory(), () => {
    throw badRequest('EVAL_BAD_ARGS', `--data ${a.data} does not exist`, 'data');
  });
  if (a.format === 'lines') return loadLines(a.data);
  const dir = isDir ? a.data : dirname(a.data);
  return loadSessions(isDir ? join(dir, 'train_sessions.jsonl') : a.data, join(dir, 'test.jsonl'));
}

function metrics(m: MetricAccumulator, format: 'lines' | 'sessions'): Record<string, number> {
  return format === 'lines' ? { ...m.sequential() } : { ...m.session() };
}

export function toReport(dataset: string, format: 'lines' | 'sessions', seed: number, run: EvaluationRun): EvaluateReport {
  const published: EvaluateReport['published'] = {};
  for (const row of publishedFor(dataset)) published[row.model] = row.metrics;
  return {
    dataset,
    format,
    protocol: PROTOCOLS[format],
    engine: metrics(run.engine.test, format),
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

/** `meridian evaluate`: tunes on validation, evaluates once on test, prints a table or JSON. */
export async function runEvaluate(argv: readonly string[], deps: EvaluateDeps): Promise<EvaluateReport> {
  const a = parse(argv);
  const log = deps.logger.child('evaluate');
  const dataset = datasetName(a.data, a.format);
  const data = await load(a);
  log.info('data loaded', { dataset, sequences: data.sequences.length, items: data.numItems, tests: data.tests.length });
  const run = evaluateData(data, { seed: a.seed, logger: log, tuneCases: a.tuneCases, quick: a.quick });
  const report = toReport(dataset, a.format, a.seed, run);
  deps.write(a.json ? JSON.stringify(report) + '\n' : formatTable(report) + '\n');
  if (a.out !== undefined) {
    await mkdir(a.out, { recursive: true });
    const svg = `${dataset}-training-curve.svg`;
    const label = `validation ${METRIC_LABELS[run.validation.objective] ?? run.validation.objective}`;
    await writeFile(join(a.out, svg), curveSvg(run.curve, `${dataset}: ${label} per tuning step`, label));
    await writeFile(join(a.out, `${dataset}-evaluation.md`), formatMarkdown(report, svg));
  }
  return report;
}
