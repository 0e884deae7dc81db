import { LINE_STEP_MS } from '../../models/index.ts';
import { METRIC_LABELS, type EvaluateReport, type LearnedReportRow } from './report.ts';

/**
 * The ablation table (docs/ablation.md): on one split and protocol, the statistics alone, then the
 * learned component with pretraining only, + fine-tune, + augmentation, + adversarial training, each
 * with its weight tuned on validation; then the full configuration over several seeds, as mean and
 * sample standard deviation.
 */
export interface Spread {
  mean: number;
  sd: number;
  min: number;
  max: number;
  n: number;
}

export function spreadOf(values: readonly number[]): Spread {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / Math.max(1, n);
  const sd = n > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd, min: Math.min(...values), max: Math.max(...values), n };
}

export interface SeedSummary {
  seeds: number[];
  engine: Record<string, Spread>;
  statistics?: Record<string, Spread>;
  /** The best built-in baseline of each run (by the objective), per metric. */
  bestBaseline: Record<string, Spread>;
  /** Engine over best baseline on the objective, per seed, in percent. */
  gainPercent: number[];
}

const KEYS = ['ndcg10', 'hr10', 'ndcg20', 'hr20'] as const;

function spreads(rows: readonly Record<string, number>[]): Record<string, Spread> {
  const out: Record<string, Spread> = {};
  for (const k of KEYS) out[k] = spreadOf(rows.map((r) => r[k] ?? 0));
  return out;
}

function bestBaseline(r: EvaluateReport): Record<string, number> {
  const key = r.validation.objective;
  let best: Record<string, number> = {};
  for (const m of Object.values(r.baselines)) if ((m[key] ?? 0) > (best[key] ?? -1)) best = m;
  return best;
}

export function summarizeSeeds(reports: readonly EvaluateReport[]): SeedSummary {
  const key = reports[0]?.validation.objective ?? 'ndcg10';
  const stats = reports.map((r) => r.statistics).filter((s): s is Record<string, number> => s !== undefined);
  return {
    seeds: reports.map((r) => r.seed),
    engine: spreads(reports.map((r) => r.engine)),
    ...(stats.length === reports.length && stats.length > 0 ? { statistics: spreads(stats) } : {}),
    bestBaseline: spreads(reports.map(bestBaseline)),
    gainPercent: reports.map((r) => 100 * ((r.engine[key] ?? 0) / (bestBaseline(r)[key] ?? 1) - 1)),
  };
}

const f4 = (v: number | undefined): string => (v === undefined ? '–' : v.toFixed(4));
/** A tuned weight as the grid made it (a product of a few factors), without float noise. */
export const weightText = (w: number): string => String(Number(w.toPrecision(3)));
const pm = (s: Spread | undefined): string => (s === undefined ? '–' : s.n > 1 ? `${s.mean.toFixed(4)} ± ${s.sd.toFixed(4)}` : s.mean.toFixed(4));

const PART_LABELS: Record<string, string> = { pretrain: '+ learned, pretrain only', finetune: '+ fine-tune', augment: '+ augmentation', adversarial: '+ adversarial' };

function rowLabel(row: LearnedReportRow): string {
  return PART_LABELS[row.parts[row.parts.length - 1] as string] ?? row.parts.join('+');
}

function trainCell(row: LearnedReportRow): string {
  const t = row.training;
  return `${t.validation.cpuSeconds.toFixed(0)} / ${t.test === undefined ? '–' : t.test.cpuSeconds.toFixed(0)}`;
}

/** The ablation section of one dataset, in markdown. `reports[0]` carries the ablation rows; all carry the full configuration. */
export function formatAblation(reports: readonly EvaluateReport[], command: string): string {
  const first = reports[0];
  if (first === undefined) return '';
  const objective = METRIC_LABELS[first.validation.objective] ?? first.validation.objective;
  const head = `| configuration | seed | weight | cut | validation ${objective} | NDCG@10 | HR@10 | NDCG@20 | HR@20 | training CPU s (val / test) |`;
  const lines = [
    `## ${first.dataset}`,
    '',
    `Protocol: ${first.protocol}. ${first.testCases} test cases.`,
    '',
    '```',
    command,
    '```',
    '',
    head,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const statsRow = first.statistics ?? first.engine;
  lines.push(`| statistics only (the engine without a learned component) | ${first.seed} | – | – | ${f4(first.learned?.statisticsValidation)} | ${KEYS.map((k) => f4(statsRow[k])).join(' | ')} | – |`);
  for (const row of first.learned?.rows ?? []) {
    lines.push(`| ${rowLabel(row)} | ${first.seed} | ${weightText(row.weight)} | ${row.weight === 0 ? '–' : row.cut} | ${f4(row.validation)} | ${KEYS.map((k) => f4(row.test[k])).join(' | ')} | ${trainCell(row)} |`);
  }
  const s = summarizeSeeds(reports);
  const seeds = s.seeds.join(', ');
  lines.push(`| **full configuration**, mean ± sd | ${seeds} | ${reports.map((r) => weightText(lastRow(r)?.weight ?? 0)).join(', ')} | | | ${KEYS.map((k) => pm(s.engine[k])).join(' | ')} | |`);
  if (s.statistics !== undefined) lines.push(`| statistics only, mean ± sd | ${seeds} | | | | ${KEYS.map((k) => pm(s.statistics?.[k])).join(' | ')} | |`);
  lines.push(`| best built-in baseline, mean ± sd | ${seeds} | | | | ${KEYS.map((k) => pm(s.bestBaseline[k])).join(' | ')} | |`);
  lines.push('');
  lines.push(`Engine over the best built-in baseline (${objective}), per seed: ${s.gainPercent.map((g) => `${g >= 0 ? '+' : ''}${g.toFixed(1)}%`).join(', ')}.`);
  const halfLives = reports.flatMap((r) => r.learned?.rows.map((row) => row.halfLifeMs / LINE_STEP_MS) ?? []);
  if (halfLives.length > 0) lines.push(`Fitted user-encoder half-life: ${Math.min(...halfLives).toFixed(2)}–${Math.max(...halfLives).toFixed(2)} steps.`);
  lines.push('');
  return lines.join('\n');
}

function lastRow(r: EvaluateReport): LearnedReportRow | undefined {
  const rows = r.learned?.rows;
  return rows === undefined ? undefined : rows[rows.length - 1];
}
