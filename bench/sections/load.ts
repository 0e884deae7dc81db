import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { createRng } from '../../src/core/index.ts';
import { percentiles, rounded, Samples, type Percentiles } from '../harness/stats.ts';

/**
 * The load generator: autocannon in a child process of its own, so it never shares an event loop
 * with the server it measures. The parent sends a LoadSpec and gets a LoadResult back.
 *
 * Latencies are recorded here from every 2xx response, in float milliseconds: autocannon's own
 * histogram keeps whole milliseconds, and with a rate it adds coordinated-omission samples computed
 * with a 1 ms interval, which only pulls the percentiles down.
 */
export interface LoadSpec {
  label: string;
  /** Origin, e.g. http://127.0.0.1:4321. */
  origin: string;
  /** Request paths; each request takes one at random. */
  paths: string[];
  connections: number;
  seconds: number;
  /** Requests per second; 0 = as many as the server answers. */
  rate: number;
  /**
   * With a rate: that many single-connection streams, started evenly over the first second.
   * autocannon's limiter lets each connection send its quota for the second back to back, so one
   * many-connection instance would send each second's requests in one burst.
   */
  streams: number;
  /** Seconds of unrecorded load first, so the server's JIT is warm. */
  warmupSeconds: number;
  seed: number;
}

export interface LoadResult {
  label: string;
  rate: number;
  connections: number;
  /** Completed 2xx responses per second over the measured window. */
  rps: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  seconds: number;
  latencyMs: Percentiles;
  bytesPerResponse: number;
}

interface CannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
  throughput: { total: number };
}

type Cannon = (opts: Record<string, unknown>, done: (err: Error | null, result: CannonResult) => void) => EventEmitter;

const autocannon = createRequire(import.meta.url)('autocannon') as Cannon;

interface Recorder {
  latencies: Samples | undefined;
}

function cannon(spec: LoadSpec, opts: { connections: number; rate: number; seconds: number; seed: number }, rec: Recorder): Promise<CannonResult> {
  const rng = createRng(opts.seed);
  const { paths } = spec;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.origin,
        connections: opts.connections,
        duration: opts.seconds,
        ...(opts.rate > 0 ? { overallRate: opts.rate } : {}),
        requests: [
          {
            method: 'GET',
            setupRequest: (req: { path: string }) => {
              req.path = paths[rng.int(paths.length)] as string;
              return req;
            },
          },
        ],
      },
      (err, result) => (err === null ? resolve(result) : reject(err)),
    );
    instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      if (status >= 200 && status < 300) rec.latencies?.push(ms);
    });
  });
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Splits a rate over streams that start `1000 / streams` ms apart. */
async function paced(spec: LoadSpec, rec: Recorder): Promise<CannonResult[]> {
  const streams = Math.max(1, Math.min(spec.streams, spec.rate));
  const base = Math.floor(spec.rate / streams);
  return Promise.all(
    Array.from({ length: streams }, async (_, i) => {
      await delay((i * 1000) / streams);
      const rate = base + (i < spec.rate % streams ? 1 : 0);
      return cannon(spec, { connections: 1, rate, seconds: spec.seconds, seed: spec.seed + i }, rec);
    }),
  );
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  if (spec.paths.length === 0) throw new Error(`load ${spec.label}: no paths`);
  const rec: Recorder = { latencies: undefined };
  if (spec.warmupSeconds > 0) {
    await cannon(spec, { connections: spec.connections, rate: 0, seconds: spec.warmupSeconds, seed: spec.seed ^ 0xffff }, rec);
  }
  rec.latencies = new Samples();
  const results =
    spec.rate > 0 ? await paced(spec, rec) : [await cannon(spec, { connections: spec.connections, rate: 0, seconds: spec.seconds, seed: spec.seed }, rec)];
  const sum = (f: (r: CannonResult) => number): number => results.reduce((a, r) => a + f(r), 0);
  const ok = sum((r) => r['2xx']);
  return {
    label: spec.label,
    rate: spec.rate,
    connections: spec.rate > 0 ? results.length : spec.connections,
    rps: sum((r) => r['2xx'] / r.duration),
    ok,
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
    seconds: Math.max(...results.map((r) => r.duration)),
    latencyMs: rounded(percentiles(rec.latencies.values())),
    bytesPerResponse: ok === 0 ? 0 : Math.round(sum((r) => r.throughput.total) / ok),
  };
}

// As a child process: one spec per message, one result (or error) back; it exits when the parent
// closes the channel, or dies.
if (process.send !== undefined) {
  process.once('disconnect', () => process.exit(0));
  process.on('message', (m: { op: 'run'; spec: LoadSpec }) => {
    runLoad(m.spec).then(
      (result) => process.send?.({ op: 'result', result }),
      (e: unknown) => process.send?.({ op: 'error', message: e instanceof Error ? e.message : String(e) }),
    );
  });
}
