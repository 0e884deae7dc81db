import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRng } from '../../src/core/index.ts';
import { percentiles, round, rounded, Samples, type Percentiles } from '../harness/stats.ts';

/**
 * The load generator of the swap section, in a child process of its own (as load.ts is serving's):
 * autocannon at a fixed rate over single-connection streams, recording every answer's arrival time
 * (epoch ms, comparable with the parent's `clock`), latency, status and the `model` its body names.
 * It runs until the parent asks it to stop, since the swaps decide how long it lasts. The bench
 * process cuts what it hands back into windows by arrival time (windowOf, timeline).
 */

/** Epoch milliseconds, sub-millisecond, comparable between the bench process and this child. */
const clock = (): number => performance.timeOrigin + performance.now();

export interface SwapLoadSpec {
  origin: string;
  paths: string[];
  rate: number;
  streams: number;
  seed: number;
  /** An upper bound: the parent stops the load. */
  maxSeconds: number;
}

/** What the child hands back: parallel arrays, one entry per answer; `model` indexes `models` (-1: none). */
export interface Recorded {
  t: number[];
  ms: number[];
  status: number[];
  model: number[];
  models: string[];
  /** Arrival times of request errors (timeouts included). */
  errorAt: number[];
  totals: { errors: number; timeouts: number; non2xx: number };
}

interface CannonResult {
  errors: number;
  timeouts: number;
  non2xx: number;
}
type Cannon = ((opts: Record<string, unknown>, done: (err: Error | null, r: CannonResult) => void) => EventEmitter) & {};
type Instance = EventEmitter & { stop(): void };

const MODEL_KEY = '"model":"';

function startLoad(spec: SwapLoadSpec): { stop(): Promise<Recorded> } {
  const autocannon = createRequire(import.meta.url)('autocannon') as Cannon;
  const rec = { t: new Samples(), ms: new Samples(), status: new Samples(), model: new Samples(), errorAt: new Samples() };
  const names = new Map<string, number>();
  // The model is the body's last field; its value has no quote (version ids and encoder names).
  const modelOf = (body: string): number => {
    const at = body.lastIndexOf(MODEL_KEY);
    if (at < 0) return -1;
    const name = body.slice(at + MODEL_KEY.length, body.indexOf('"', at + MODEL_KEY.length));
    let i = names.get(name);
    if (i === undefined) names.set(name, (i = names.size));
    return i;
  };
  const instances: Instance[] = [];
  const finished: Promise<CannonResult>[] = [];
  const streams = Math.max(1, Math.min(spec.streams, spec.rate));
  const base = Math.floor(spec.rate / streams);
  const stream = (i: number): void => {
    const rng = createRng(spec.seed + i);
    let model = -1; // onResponse (with the body) runs just before the 'response' event of the same answer
    let instance!: Instance;
    finished.push(
      new Promise((res, rej) => {
        instance = autocannon(
          {
            url: spec.origin,
            connections: 1,
            overallRate: base + (i < spec.rate % streams ? 1 : 0),
            duration: spec.maxSeconds,
            requests: [
              {
                method: 'GET',
                setupRequest: (req: { path: string }) => ((req.path = spec.paths[rng.int(spec.paths.length)] as string), req),
                onResponse: (_status: number, body: string) => void (model = modelOf(body)),
              },
            ],
          },
          (err, r) => (err === null ? res(r) : rej(err)),
        ) as Instance;
      }),
    );
    instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      rec.t.push(clock());
      rec.ms.push(ms);
      rec.status.push(status);
      rec.model.push(model);
      model = -1;
    });
    instance.on('reqError', () => rec.errorAt.push(clock()));
    instances.push(instance);
  };
  // Single-connection streams started evenly over the first second (see load.ts for why).
  const timers = Array.from({ length: streams }, (_, i) => setTimeout(() => stream(i), (i * 1000) / streams));
  return {
    async stop() {
      for (const t of timers) clearTimeout(t);
      for (const x of instances) x.stop();
      const results = await Promise.all(finished);
      const sum = (f: (r: CannonResult) => number): number => results.reduce((a, r) => a + f(r), 0);
      const arr = (s: Samples): number[] => Array.from(s.values());
      return {
        t: arr(rec.t),
        ms: arr(rec.ms),
        status: arr(rec.status),
        model: arr(rec.model),
        models: [...names.keys()],
        errorAt: arr(rec.errorAt),
        totals: { errors: sum((r) => r.errors), timeouts: sum((r) => r.timeouts), non2xx: sum((r) => r.non2xx) },
      };
    },
  };
}

// ---- Windows of the recorded answers, cut by arrival time (in the bench process).

export interface Window {
  /** Seconds since the load started. */
  from: number;
  to: number;
  /** Every answer that arrived in the window (2xx or not). */
  answers: number;
  rps: number;
  /** 2xx answers only. */
  latencyMs: Percentiles;
  /** Non-2xx answers and request errors (timeouts included) in the window. */
  failed: number;
  /** 2xx answers by the version they name. */
  models: Record<string, number>;
}

/** One second of the load: answers, 2xx latency and the version most answers named. */
export interface Second {
  s: number;
  answers: number;
  p50: number;
  p99: number;
  max: number;
  failed: number;
  model: string;
}

export const ok = (status: number): boolean => status >= 200 && status < 300;

/** The answers that arrived in [from, to); times are epoch ms, reported as seconds since `origin`. */
export function windowOf(rec: Recorded, origin: number, from: number, to: number): Window {
  const latencies: number[] = [];
  const models: Record<string, number> = {};
  let answers = 0;
  let failed = 0;
  for (let i = 0; i < rec.t.length; i++) {
    const t = rec.t[i] as number;
    if (t < from || t >= to) continue;
    answers++;
    if (!ok(rec.status[i] as number)) failed++;
    else {
      latencies.push(rec.ms[i] as number);
      const m = rec.models[rec.model[i] as number] ?? 'none';
      models[m] = (models[m] ?? 0) + 1;
    }
  }
  for (const t of rec.errorAt) if (t >= from && t < to) failed++;
  const seconds = Math.max(1e-3, (to - from) / 1000);
  return { from: round((from - origin) / 1000), to: round((to - origin) / 1000), answers, rps: round(answers / seconds), latencyMs: rounded(percentiles(latencies)), failed, models };
}

/** Arrival time of the first answer naming `version` at or after `since`; undefined if none did. */
export function firstNaming(rec: Recorded, version: string, since: number): number | undefined {
  const idx = rec.models.indexOf(version);
  let first: number | undefined;
  for (let i = 0; i < rec.t.length; i++) {
    const t = rec.t[i] as number;
    if (idx >= 0 && t >= since && rec.model[i] === idx && (first === undefined || t < first)) first = t;
  }
  return first;
}

/** The load second by second, for results.json. */
export function timeline(rec: Recorded, loadStart: number, loadEnd: number): Second[] {
  const out: Second[] = [];
  for (let from = loadStart; from < loadEnd; from += 1000) {
    const w = windowOf(rec, loadStart, from, Math.min(loadEnd, from + 1000));
    const model = Object.entries(w.models).sort((a, b) => b[1] - a[1])[0]?.[0] ?? '';
    out.push({ s: w.from, answers: w.answers, p50: w.latencyMs.p50, p99: w.latencyMs.p99, max: w.latencyMs.max, failed: w.failed, model });
  }
  return out;
}

// As the child process (not when the bench imports the windows): start, then stop, which answers
// with what was recorded; it exits when the parent closes the channel, or dies.
if (process.send !== undefined && process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let load: { stop(): Promise<Recorded> } | undefined;
  process.once('disconnect', () => process.exit(0));
  process.on('message', (m: { op: 'start'; spec: SwapLoadSpec } | { op: 'stop' }) => {
    const fail = (e: unknown): void => void process.send?.({ op: 'error', message: e instanceof Error ? e.message : String(e) });
    try {
      if (m.op === 'start') {
        load = startLoad(m.spec);
        process.send?.({ op: 'started' });
      } else if (load === undefined) fail(new Error('stop before start'));
      else load.stop().then((rec) => process.send?.({ op: 'result', rec }), fail);
    } catch (e) {
      fail(e);
    }
  });
}
