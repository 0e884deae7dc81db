import type { IndexCaseResult } from '../sections/vector-index.ts';
import type { ServingData, Target } from '../sections/serving.ts';
import type { BenchResults } from './types.ts';

/**
 * The plot of the summary, as plain SVG: horizontal bar panels for throughput against the bare
 * route, latency percentiles at the fixed rate, and index recall, each with its target drawn in.
 */
interface Bar {
  label: string;
  value: number;
  text: string;
  color: string;
  opacity?: number;
}

interface Panel {
  title: string;
  bars: Bar[];
  max: number;
  marker?: { value: number; label: string };
}

const WIDTH = 960;
const LABEL_W = 200;
/** Room right of the longest bar for its value. */
const TEXT_W = 300;
const BAR_H = 18;
const GAP = 6;
const COLORS: Record<Target, string> = { bare: '#9aa5b1', recommendations: '#2f6fde', kept: '#7b3fbf', search: '#1b9e77' };
const SHADE = { p50: 1, p90: 0.7, p99: 0.45 } as const;

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function panel(p: Panel, top: number): { svg: string[]; height: number } {
  const plotW = WIDTH - LABEL_W - TEXT_W;
  const scale = (v: number): number => (p.max > 0 ? (Math.max(0, Math.min(v, p.max)) / p.max) * plotW : 0);
  const rects: string[] = [];
  const texts: string[] = [];
  let y = top + 28;
  for (const b of p.bars) {
    const w = scale(b.value);
    rects.push(`<rect x="${LABEL_W}" y="${y}" width="${w.toFixed(1)}" height="${BAR_H}" fill="${b.color}" fill-opacity="${b.opacity ?? 1}"/>`);
    texts.push(
      `<text x="${LABEL_W - 8}" y="${y + 13}" text-anchor="end">${esc(b.label)}</text>`,
      `<text x="${(LABEL_W + w + 6).toFixed(1)}" y="${y + 13}">${esc(b.text)}</text>`,
    );
    y += BAR_H + GAP;
  }
  // Bars, then the target line over them, then the values over both.
  const marker: string[] = [];
  if (p.marker !== undefined && p.marker.value <= p.max) {
    const x = (LABEL_W + scale(p.marker.value)).toFixed(1);
    marker.push(
      `<line x1="${x}" y1="${top + 24}" x2="${x}" y2="${y}" class="target"/>`,
      `<text x="${x}" y="${y + 12}" text-anchor="middle" class="small">${esc(p.marker.label)}</text>`,
    );
  }
  if (p.marker !== undefined) y += 14;
  const title = `<text x="12" y="${top + 16}" class="title">${esc(p.title)}</text>`;
  return { svg: [title, ...rects, ...marker, ...texts], height: y - top + 12 };
}

const routeLabel = (t: Target): string => (t === 'kept' ? 'GET /v1/recommendations, kept lists' : `GET /v1/${t}`);

function servingPanels(d: ServingData): Panel[] {
  const bare = d.maxThroughput.filter((r) => r.target === 'bare');
  const bareRps = bare.reduce((a, r) => a + r.rps, 0) / Math.max(1, bare.length);
  const maxBars: Bar[] = [
    { label: 'bare Fastify route', value: bareRps, text: `${Math.round(bareRps)} req/s`, color: COLORS.bare },
    ...(['recommendations', 'kept', 'search'] as const).map((t) => {
      const rps = d.maxThroughput.find((r) => r.target === t)?.rps ?? 0;
      return { label: routeLabel(t), value: rps, text: `${Math.round(rps)} req/s (${Math.round((rps / bareRps) * 100)}% of bare)`, color: COLORS[t] };
    }),
  ];
  const latBars: Bar[] = [];
  for (const r of d.fixedRate) {
    for (const q of ['p50', 'p90', 'p99'] as const) {
      latBars.push({
        label: `${r.target === 'bare' ? 'bare route' : r.target === 'kept' ? 'recommendations, kept' : r.target} ${q}`,
        value: r.latencyMs[q],
        text: `${r.latencyMs[q]} ms${q === 'p50' ? ` (${Math.round(r.rps)} req/s achieved)` : ''}`,
        color: COLORS[r.target],
        opacity: SHADE[q],
      });
    }
  }
  const latMax = Math.max(12, ...latBars.map((b) => b.value)) * 1.05;
  const rate = d.fixedRate[0]?.rate ?? 0;
  const cpu = d.maxThroughput.filter((r, i) => r.target !== 'bare' || d.maxThroughput.findIndex((x) => x.target === 'bare') === i);
  const cpuBars: Bar[] = cpu.map((r) => ({
    label: r.target === 'bare' ? 'bare Fastify route' : routeLabel(r.target),
    value: r.serverCpuMicrosPerRequest,
    text: `${r.serverCpuMicrosPerRequest} µs`,
    color: COLORS[r.target],
  }));
  return [
    { title: 'Max throughput, same run (higher is better)', bars: maxBars, max: bareRps * 1.05, marker: { value: bareRps * 0.25, label: 'target: 25% of bare' } },
    { title: `Latency at ${rate} req/s offered (lower is better)`, bars: latBars, max: latMax, marker: { value: 10, label: 'target p99 ≤ 10 ms' } },
    {
      title: 'Server CPU per request at max throughput (lower is better; holds on a busy machine)',
      bars: cpuBars,
      max: Math.max(...cpuBars.map((b) => b.value)) * 1.05,
    },
  ];
}

function indexPanel(cases: readonly IndexCaseResult[]): Panel {
  return {
    title: 'Index recall@10 against exact search (higher is better)',
    bars: cases.map((c) => ({
      label: `${c.kind} ${c.items >= 1e6 ? `${c.items / 1e6}M` : `${c.items / 1e3}k`}`,
      value: c.recallAt10,
      text: `${c.recallAt10.toFixed(3)}; query p50 ${(c.latencyMicros.p50 / 1000).toFixed(2)} ms, p99 ${(c.latencyMicros.p99 / 1000).toFixed(1)} ms`,
      color: c.kind === 'uniform' ? '#d95f02' : '#7570b3',
    })),
    max: 1,
    marker: { value: 0.95, label: 'target 0.95' },
  };
}

/** The SVG document; panels of sections that did not run are left out. */
export function renderPlot(b: BenchResults): string {
  const panels: Panel[] = [];
  const serving = b.results.find((r) => r.name === 'serving' && r.error === undefined);
  if (serving !== undefined) panels.push(...servingPanels(serving.data as ServingData));
  const index = b.results.find((r) => r.name === 'index' && r.error === undefined);
  if (index !== undefined) panels.push(indexPanel((index.data as { cases: IndexCaseResult[] }).cases));
  const body: string[] = [];
  let y = 36;
  for (const p of panels) {
    const { svg, height } = panel(p, y);
    body.push(...svg);
    y += height;
  }
  if (panels.length === 0) {
    body.push('<text x="12" y="60">No serving or index results in this run.</text>');
    y = 80;
  }
  const head = `Meridian benchmarks, ${b.startedAt.slice(0, 16).replace('T', ' ')} UTC, ${b.machine.cpus} CPUs, load ${b.machine.loadAtStart[0]?.toFixed(1)} at start`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y + 8}" viewBox="0 0 ${WIDTH} ${y + 8}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    '<style>.title{font-weight:bold;font-size:13px}.small{font-size:10px;fill:#444}.target{stroke:#c0392b;stroke-width:1.5;stroke-dasharray:4 3}</style>',
    `<rect width="${WIDTH}" height="${y + 8}" fill="#fff"/>`,
    `<text x="12" y="20" class="small">${esc(head)}</text>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
