import type { BenchEngine } from './engine.ts';
import type { CpuUsage } from './stats.ts';

/** The shapes every measurement returns and the report reads. */

export const SECTIONS = ['serving', 'freshness', 'updater', 'encoder', 'sequence', 'replay', 'pipeline', 'index', 'training', 'swap'] as const;
export type SectionName = (typeof SECTIONS)[number];

export interface BenchOptions {
  /** Smaller sizes and shorter runs: a smoke run of the whole harness. */
  quick: boolean;
  /** Seed of every simulated catalog, shopper, traffic and vector set. */
  seed: number;
  /** Progress lines (stderr); results go to the files. */
  log: (line: string) => void;
  /** Where measured phases write CPU profiles (`--profile`); undefined: no profiling. */
  profileDir?: string | undefined;
}

/** A target of the issue: the figure must be `op` the value. */
export interface Target {
  op: '<=' | '>=';
  value: number;
}

/** One number of the summary table. `value` is null when it could not be measured (see `note`). */
export interface Figure {
  key: string;
  label: string;
  value: number | null;
  unit: string;
  target?: Target;
  note?: string;
}

export interface SectionResult<D = unknown> {
  name: SectionName;
  /** Wall time of the whole section, setup included. */
  seconds: number;
  figures: Figure[];
  /** Everything measured, for results.json. */
  data: D;
  /** Set when the section failed; its figures are then missing. */
  error?: string;
  /** CPU of the whole section and how long the main thread waited for a core. */
  usage?: CpuUsage;
}

/** What sections share within one run: the seeded engine of serving and freshness is built once. */
export interface BenchContext {
  engine(): Promise<BenchEngine>;
}

export type Section = (opts: BenchOptions, ctx: BenchContext) => Promise<Omit<SectionResult, 'name' | 'seconds'>>;

export function pass(f: Figure): boolean | undefined {
  if (f.target === undefined) return undefined;
  if (f.value === null || !Number.isFinite(f.value)) return false;
  return f.target.op === '<=' ? f.value <= f.target.value : f.value >= f.target.value;
}

/** What results.json holds, and what the summary and the plot are rendered from. */
export interface BenchResults {
  startedAt: string;
  finishedAt: string;
  quick: boolean;
  /** CPU profiles were taken: the timings include the profiler's overhead. */
  profiled: boolean;
  seed: number;
  sections: string[];
  machine: Machine;
  results: SectionResult[];
}

export interface Machine {
  cpus: number;
  cpuModel: string;
  node: string;
  platform: string;
  memoryGiB: number;
  /** 1, 5 and 15 minute load averages. */
  loadAtStart: number[];
  loadAtEnd: number[];
  commit: string;
}
