import { readFileSync } from 'node:fs';

/** Small numeric helpers shared by the measurements. */

export interface Percentiles {
  n: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** The p-quantile (0..1) of sorted values, nearest rank. */
export function quantile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Percentiles of a sample (milliseconds in, milliseconds out); the input is not modified. */
export function percentiles(values: ArrayLike<number>): Percentiles {
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (let i = 0; i < sorted.length; i++) sum += sorted[i] as number;
  return {
    n: sorted.length,
    mean: sorted.length === 0 ? NaN : sum / sorted.length,
    p50: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    p99: quantile(sorted, 0.99),
    max: sorted.length === 0 ? NaN : (sorted[sorted.length - 1] as number),
  };
}

/** Rounds for the report: 3 significant digits under 100, integers above. */
export function round(x: number): number {
  if (!Number.isFinite(x)) return x;
  if (Math.abs(x) >= 100) return Math.round(x);
  return Number(x.toPrecision(3));
}

/** Every number of a Percentiles rounded. */
export function rounded(p: Percentiles): Percentiles {
  return { n: p.n, mean: round(p.mean), p50: round(p.p50), p90: round(p.p90), p99: round(p.p99), max: round(p.max) };
}

/** A growable Float64Array, so a long run records millions of latencies without boxing them. */
export class Samples {
  private data = new Float64Array(1024);
  length = 0;

  push(x: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = x;
  }

  values(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

/** Milliseconds since an arbitrary origin, sub-millisecond. */
export const nowMs = (): number => performance.now();

/** Runs `fn`, returning its value and the milliseconds it took. */
export async function timed<T>(fn: () => Promise<T> | T): Promise<{ value: T; ms: number }> {
  const t0 = nowMs();
  const value = await fn();
  return { value, ms: nowMs() - t0 };
}

/** CPU spent and time spent waiting for a core, over an interval. */
export interface CpuUsage {
  wallSeconds: number;
  /** The whole process (every thread), user + system. */
  processCpuSeconds: number;
  /** The main thread alone (Linux schedstat); null elsewhere. */
  mainThreadCpuSeconds: number | null;
  /**
   * Of the time the main thread was runnable, the share it waited for a core (Linux schedstat):
   * near 0 on an idle machine; on a busy shared one it is why latency tails grow. Null elsewhere.
   */
  mainThreadWaitShare: number | null;
}

function schedstat(): [number, number] | undefined {
  try {
    const [cpu, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').trim().split(' ').map(Number);
    return cpu === undefined || wait === undefined || !Number.isFinite(cpu) || !Number.isFinite(wait) ? undefined : [cpu, wait];
  } catch {
    return undefined;
  }
}

/** Starts measuring; `stop()` returns the usage since. */
export function cpuMeter(): { stop(): CpuUsage } {
  const t0 = nowMs();
  const cpu0 = process.cpuUsage();
  const s0 = schedstat();
  return {
    stop() {
      const cpu = process.cpuUsage(cpu0);
      const s1 = schedstat();
      let waitShare: number | null = null;
      let ranSeconds: number | null = null;
      if (s0 !== undefined && s1 !== undefined) {
        const ran = s1[0] - s0[0];
        const waited = s1[1] - s0[1];
        waitShare = ran + waited > 0 ? round(waited / (ran + waited)) : 0;
        ranSeconds = round(ran / 1e9);
      }
      return {
        wallSeconds: round((nowMs() - t0) / 1000),
        processCpuSeconds: round((cpu.user + cpu.system) / 1e6),
        mainThreadCpuSeconds: ranSeconds,
        mainThreadWaitShare: waitShare,
      };
    },
  };
}
