import type { TrainingCost } from './learned.ts';
import { LINE_STEP_MS } from '../../models/index.ts';
import type { TuneStep } from './tune.ts';

/** One learned configuration as the report shows it. */
export interface LearnedReportRow {
  parts: string[];
  /** Blend weight tuned on validation (0: it did not help there, and the engine is the statistics alone). */
  weight: number;
  cut: number;
  /** Validation objective with the component. */
  validation: number;
  /** The engine with this component, on the test cases. */
  test: Record<string, number>;
  halfLifeMs: number;
  backend?: string;
  training: { validation: TrainingCost; test?: TrainingCost };
}

export interface LearnedReport {
  /** Validation objective of the statistics alone (what a row's weight must beat). */
  statisticsValidation: number;
  rows: LearnedReportRow[];
}

/** The one JSON object `meridian evaluate --json` prints. */
export interface EvaluateReport {
  dataset: string;
  format: 'lines' | 'sessions';
  protocol: string;
  /** lines: { hr10, ndcg10, hr20, ndcg20 } (fractions); sessions: { p20, mrr20 } (percent). */
  engine: Record<string, number>;
  /** The engine without its learned component (present when one was evaluated). */
  statistics?: Record<string, number>;
  /** The learned component: one row, or the ablation's rows (the last is the engine's). */
  learned?: LearnedReport;
  baselines: Record<string, Record<string, number>>;
  /** Published rows by model name; never measured here. */
  published: Record<string, Record<string, number | null>>;
  seed: number;
  trainSeconds: number;
  trainCpuSeconds: number;
  evalSeconds: number;
  testCases: number;
  /** Tuning objective on the validation sample: engine and the tuned baseline blend. */
  validation: { objective: string; engine: number; blend: number; statistics?: number };
  /** Tuned engine parameters (Infinity is written as null). */
  params: unknown;
  curve: TuneStep[];
}

export const METRIC_LABELS: Readonly<Record<string, string>> = {
  hr10: 'HR@10',
  ndcg10: 'NDCG@10',
  hr20: 'HR@20',
  ndcg20: 'NDCG@20',
  p20: 'P@20',
  mrr20: 'MRR@20',
};

function metricKeys(r: EvaluateReport): string[] {
  return r.format === 'lines' ? ['hr10', 'ndcg10', 'hr20', 'ndcg20'] : ['p20', 'mrr20'];
}

function fmt(v: number | null | undefined, format: EvaluateReport['format']): string {
  if (v === null || v === undefined) return '–';
  return format === 'lines' ? v.toFixed(4) : v.toFixed(2);
}

function rows(r: EvaluateReport): string[][] {
  const keys = metricKeys(r);
  const out: string[][] = [['model', 'kind', ...keys.map((k) => METRIC_LABELS[k] ?? k)]];
  out.push(['engine', 'measured', ...keys.map((k) => fmt(r.engine[k], r.format))]);
  if (r.statistics !== undefined) out.push(['engine, statistics only', 'measured', ...keys.map((k) => fmt(r.statistics?.[k], r.format))]);
  for (const [name, m] of Object.entries(r.baselines)) out.push([name, 'measured', ...keys.map((k) => fmt(m[k], r.format))]);
  for (const [name, m] of Object.entries(r.published)) out.push([name, 'published', ...keys.map((k) => fmt(m[k], r.format))]);
  return out;
}

/** A plain-text table for the terminal: measured rows first, then the published ones. */
export function formatTable(r: EvaluateReport): string {
  const t = rows(r);
  const widths = (t[0] as string[]).map((_, c) => Math.max(...t.map((row) => (row[c] as string).length)));
  const line = (row: string[]): string => row.map((cell, c) => (c < 2 ? cell.padEnd(widths[c] as number) : cell.padStart(widths[c] as number))).join('  ');
  const measured = t.filter((row, i) => i > 0 && row[1] === 'measured');
  const published = t.filter((row, i) => i > 0 && row[1] === 'published');
  const parts = [
    `${r.dataset} — ${r.protocol}`,
    line(t[0] as string[]),
    ...measured.map(line),
  ];
  if (published.length > 0) parts.push('-'.repeat(widths.reduce((a, b) => a + b + 2, -2)), ...published.map(line));
  parts.push(`seed ${r.seed}, training ${r.trainSeconds.toFixed(1)} s wall (${r.trainCpuSeconds.toFixed(1)} s CPU), test ${r.testCases} cases in ${r.evalSeconds.toFixed(1)} s`);
  if (r.learned !== undefined) parts.push(...r.learned.rows.map((row) => learnedLine(r, row)));
  return parts.join('\n');
}

const secs = (c: TrainingCost | undefined): string => (c === undefined ? 'not run (weight 0)' : `${c.seconds.toFixed(1)} s wall, ${c.cpuSeconds.toFixed(1)} s CPU`);

/** One line per learned configuration: its tuned weight, what validation said, what training cost. */
export function learnedLine(r: EvaluateReport, row: LearnedReportRow): string {
  const objective = METRIC_LABELS[r.validation.objective] ?? r.validation.objective;
  const verdict = row.weight === 0 ? 'weight 0 (no gain on validation: the engine is the statistics alone)' : `weight ${Number(row.weight.toPrecision(3))}, cut ${row.cut}`;
  return `learned ${row.parts.join('+')}: ${verdict}; validation ${objective} ${row.validation.toFixed(4)} vs ${(r.learned?.statisticsValidation ?? 0).toFixed(4)} statistics only; half-life ${(row.halfLifeMs / LINE_STEP_MS).toFixed(2)} steps; training on validation split ${secs(row.training.validation)}, on test split ${secs(row.training.test)}`;
}

export function formatMarkdown(r: EvaluateReport, svgFile: string): string {
  const t = rows(r);
  const head = (t[0] as string[]).filter((_, i) => i !== 1);
  const table = (kind: string): string[] => [
    `| ${head.join(' | ')} |`,
    `|${head.map((_, i) => (i < 1 ? '---' : '---:')).join('|')}|`,
    ...t.filter((row, i) => i > 0 && row[1] === kind).map((row) => `| ${row.filter((_, i) => i !== 1).join(' | ')} |`),
  ];
  const published = Object.keys(r.published).length > 0 ? ['', '## Published (not measured here)', '', ...table('published')] : [];
  const md = [
    `# Offline evaluation: ${r.dataset}`,
    '',
    `Protocol: ${r.protocol}.`,
    '',
    '## Measured in this run',
    '',
    ...table('measured'),
    ...published,
    '',
    `Seed ${r.seed}; training (statistics and validation tuning) ${r.trainSeconds.toFixed(1)} s wall, ${r.trainCpuSeconds.toFixed(1)} s CPU; ${r.testCases} test cases evaluated in ${r.evalSeconds.toFixed(1)} s.`,
    `Validation ${r.validation.objective}: engine ${r.validation.engine.toFixed(4)}, tuned baseline blend ${r.validation.blend.toFixed(4)}.`,
    ...(r.learned === undefined ? [] : ['', ...r.learned.rows.map((row) => `- ${learnedLine(r, row)}`)]),
    '',
    `![validation ${r.validation.objective} per tuning step](${svgFile})`,
    '',
    'Engine parameters:',
    '',
    '```json',
    JSON.stringify(r.params, null, 2),
    '```',
    '',
  ];
  return md.join('\n');
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** An SVG line plot of the validation objective per tuning step (with the best-so-far line). */
export function curveSvg(curve: readonly TuneStep[], title: string, yLabel: string): string {
  const W = 720;
  const H = 360;
  const L = 70;
  const R = 20;
  const T = 40;
  const B = 50;
  const values = curve.map((s) => s.value);
  const lo = values.length > 0 ? Math.min(...values) : 0;
  const hi = values.length > 0 ? Math.max(...values) : 1;
  const span = hi - lo || 1;
  const x = (i: number): number => L + ((W - L - R) * i) / Math.max(1, curve.length - 1);
  const y = (v: number): number => T + (H - T - B) * (1 - (v - lo) / span);
  let best = -Infinity;
  const pts = curve.map((s, i) => `${x(i).toFixed(1)},${y(s.value).toFixed(1)}`).join(' ');
  const bestPts = curve.map((s, i) => `${x(i).toFixed(1)},${y((best = Math.max(best, s.value))).toFixed(1)}`).join(' ');
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const v = lo + f * span;
    return `<text x="${L - 8}" y="${y(v) + 4}" text-anchor="end" font-size="11">${v.toFixed(4)}</text><line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/>`;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">${esc(title)}</text>`,
    ...ticks,
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="black"/>`,
    `<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="black"/>`,
    `<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle" font-size="12">tuning step (${curve.length})</text>`,
    `<text x="16" y="${(T + H - B) / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 16 ${(T + H - B) / 2})">${esc(yLabel)}</text>`,
    `<polyline fill="none" stroke="#9ab" stroke-width="1.5" points="${pts}"/>`,
    `<polyline fill="none" stroke="#c33" stroke-width="2" points="${bestPts}"/>`,
    `<text x="${W - R}" y="${T - 6}" text-anchor="end" font-size="11" fill="#c33">best so far</text>`,
    '</svg>',
    '',
  ].join('\n');
}
