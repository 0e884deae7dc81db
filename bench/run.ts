import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBenchEngine, type BenchEngine } from './harness/engine.ts';
import { runEncoder } from './sections/encoder.ts';
import { runFreshness } from './sections/freshness.ts';
import { runIndex } from './sections/vector-index.ts';
import { runPipeline } from './sections/pipeline.ts';
import { renderPlot, renderSummary } from './harness/report.ts';
import { runReplay } from './sections/replay.ts';
import { runSequence } from './sections/sequence.ts';
import { runServing } from './sections/serving.ts';
import { runSwap } from './sections/swap.ts';
import { cpuMeter, nowMs } from './harness/stats.ts';
import { runTraining } from './sections/training.ts';
import { SECTIONS, type BenchContext, type BenchOptions, type BenchResults, type Machine, type Section, type SectionName, type SectionResult } from './harness/types.ts';
import { runUpdater } from './sections/updater.ts';

/**
 * `npm run bench [-- --quick] [--only serving,index] [--out bench/results] [--seed N] [--profile]`:
 * every measurement of bench/, one after another, into bench/results/<timestamp>/ (results.json,
 * summary.md, plot.svg; with --profile, CPU profiles of the measured phases in profiles/). A full,
 * unprofiled run of every section also refreshes bench/RESULTS.md. `--render DIR` only renders
 * DIR/summary.md and DIR/plot.svg again from DIR/results.json.
 */
export interface BenchFlags {
  quick: boolean;
  only: SectionName[];
  out: string;
  seed: number;
  profile: boolean;
  /** Re-render this results directory instead of measuring. */
  render: string | undefined;
}

const USAGE = `usage: npm run bench -- [--quick] [--only ${SECTIONS.join(',')}] [--out DIR] [--seed N] [--profile] | --render DIR`;
const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));

export function parseBenchFlags(argv: readonly string[]): BenchFlags {
  const flags: BenchFlags = { quick: false, only: [...SECTIONS], out: join(BENCH_DIR, 'results'), seed: 42, profile: false, render: undefined };
  const value = (i: number, flag: string): string => {
    const v = argv[i];
    if (v === undefined || v.startsWith('--')) throw new Error(`${flag}: expected a value\n${USAGE}`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    if (flag === '--quick') flags.quick = true;
    else if (flag === '--profile') flags.profile = true;
    else if (flag === '--only') {
      const names = value(++i, flag).split(',').map((s) => s.trim()).filter((s) => s !== '');
      const unknown = names.filter((n) => !(SECTIONS as readonly string[]).includes(n));
      if (unknown.length > 0 || names.length === 0) throw new Error(`--only: unknown section(s) ${unknown.join(', ')} (known: ${SECTIONS.join(', ')})\n${USAGE}`);
      flags.only = SECTIONS.filter((s) => names.includes(s));
    } else if (flag === '--out') flags.out = resolve(value(++i, flag));
    else if (flag === '--render') flags.render = resolve(value(++i, flag));
    else if (flag === '--seed') {
      flags.seed = Number(value(++i, flag));
      if (!Number.isSafeInteger(flags.seed)) throw new Error(`--seed: expected an integer\n${USAGE}`);
    } else if (flag === '--help' || flag === '-h') throw new Error(USAGE);
    else throw new Error(`unknown flag ${flag}\n${USAGE}`);
  }
  return flags;
}

const RUNNERS: Record<SectionName, Section> = {
  serving: runServing,
  freshness: runFreshness,
  updater: runUpdater,
  encoder: runEncoder,
  sequence: runSequence,
  replay: runReplay,
  pipeline: runPipeline,
  index: runIndex,
  training: runTraining,
  swap: runSwap,
};
/** Sections that measure the seeded engine; it is built once for them and closed after the last. */
const ON_ENGINE: ReadonlySet<SectionName> = new Set(['serving', 'freshness']);

function commit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: BENCH_DIR, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: BENCH_DIR, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head} (with uncommitted changes)` : head;
  } catch {
    return 'unknown';
  }
}

function machine(): Machine {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
    platform: `${platform()} ${release()}`,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    loadAtStart: loadavg(),
    loadAtEnd: [],
    commit: commit(),
  };
}

function engineContext(opts: BenchOptions): BenchContext & { close(): Promise<void> } {
  let engine: Promise<BenchEngine> | undefined;
  const size = opts.quick ? { items: 2_000, users: 2_000, events: 20_000 } : { items: 20_000, users: 20_000, events: 200_000 };
  return {
    engine() {
      if (engine === undefined) {
        opts.log(`engine: seeding ${size.items} items and ${size.events} events through engine.ingest`);
        engine = startBenchEngine(opts.seed, size);
      }
      return engine;
    },
    async close() {
      const e = engine;
      engine = undefined;
      if (e !== undefined) await (await e).close();
    },
  };
}

async function runSection(name: SectionName, opts: BenchOptions, ctx: BenchContext): Promise<SectionResult> {
  const t0 = nowMs();
  const meter = cpuMeter();
  try {
    const r = await RUNNERS[name](opts, ctx);
    return { name, seconds: (nowMs() - t0) / 1000, ...r, usage: meter.stop() };
  } catch (e) {
    const error = e instanceof Error ? (e.stack ?? e.message) : String(e);
    opts.log(`${name} failed: ${error}`);
    return { name, seconds: (nowMs() - t0) / 1000, figures: [], data: null, error, usage: meter.stop() };
  }
}

async function write(dir: string, b: BenchResults, final: boolean): Promise<void> {
  await writeFile(join(dir, 'results.json'), JSON.stringify(b, null, 2) + '\n');
  if (!final) return;
  await writeFile(join(dir, 'summary.md'), renderSummary(b, 'plot.svg'));
  await writeFile(join(dir, 'plot.svg'), renderPlot(b));
}

export async function runBench(flags: BenchFlags): Promise<{ dir: string; results: BenchResults }> {
  const t0 = nowMs();
  const log = (line: string): void => void process.stderr.write(`[bench ${((nowMs() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
  const startedAt = new Date().toISOString();
  const dir = join(flags.out, startedAt.replace(/[:.]/g, '-'));
  const profileDir = flags.profile ? join(dir, 'profiles') : undefined;
  await mkdir(profileDir ?? dir, { recursive: true });
  const opts: BenchOptions = { quick: flags.quick, seed: flags.seed, log, profileDir };
  const b: BenchResults = {
    startedAt,
    finishedAt: '',
    quick: flags.quick,
    profiled: flags.profile,
    seed: flags.seed,
    sections: flags.only,
    machine: machine(),
    results: [],
  };
  log(`${flags.only.join(', ')}${flags.quick ? ' (quick)' : ''}; load average ${b.machine.loadAtStart.map((x) => x.toFixed(2)).join(' ')}; writing ${dir}`);
  const ctx = engineContext(opts);
  try {
    for (const [i, name] of flags.only.entries()) {
      log(`${name}: start`);
      b.results.push(await runSection(name, opts, ctx));
      if (!flags.only.slice(i + 1).some((n) => ON_ENGINE.has(n))) await ctx.close();
      await write(dir, b, false); // what is measured survives a later crash
    }
  } finally {
    await ctx.close();
  }
  b.finishedAt = new Date().toISOString();
  b.machine.loadAtEnd = loadavg();
  await write(dir, b, true);
  if (!flags.quick && !flags.profile && flags.only.length === SECTIONS.length) {
    await writeFile(join(BENCH_DIR, 'RESULTS.md'), renderSummary(b, 'RESULTS.svg'));
    await copyFile(join(dir, 'plot.svg'), join(BENCH_DIR, 'RESULTS.svg'));
  }
  return { dir, results: b };
}

async function main(): Promise<void> {
  let flags: BenchFlags;
  try {
    flags = parseBenchFlags(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  if (flags.render !== undefined) {
    const b = JSON.parse(await readFile(join(flags.render, 'results.json'), 'utf8')) as BenchResults;
    await write(flags.render, b, true);
    process.stdout.write(`rendered ${join(flags.render, 'summary.md')} and plot.svg\n`);
    return;
  }
  const { dir, results } = await runBench(flags);
  process.stdout.write(`${renderSummary(results, join(dir, 'plot.svg')).split('\n## ')[0]}\nresults: ${dir}\n`);
  // A failed section is a failed run; a missed target is a finding, reported in the summary.
  if (results.results.some((r) => r.error !== undefined)) process.exitCode = 1;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  });
}
